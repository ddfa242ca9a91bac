/**
 * A user's path through the CDK CLI: bad configuration fails synth with a message naming the field, and a
 * real `cdk bootstrap` + `cdk deploy` + `cdk destroy` runs against moto's server.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { describe, expect, inject, it } from 'vitest';
import { cdk, offlineEnv, synth, tempDir } from '../helpers/cdk';

const moto = inject('moto');
const target = { probeName: 'x', brokers: ['b-1.example.internal:9092'] };
const pipeline = { pipelineName: 'p', inputBrokers: ['b-1.example.internal:9092'], inputTopic: 'in', outputTopic: 'out' };

describe('bad configuration fails synth, naming the field', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['missing brokers', { targets: [{ probeName: 'x' }] }, /targets\.0\.brokers: is required: a list of host:port/],
    ['unknown auth mode', { targets: [{ ...target, auth: 'kerberos' }] }, /targets\.0\.auth: must be one of none, scram-sha-256, scram-sha-512, msk-iam/],
    [
      'threshold of the wrong type',
      { targets: [{ ...target, thresholds: { endToEndLatencyMs: 'fast' } }] },
      /targets\.0\.thresholds\.endToEndLatencyMs: must be a number of milliseconds/,
    ],
    ['a misspelt setting', { targets: [{ ...target, brokerz: ['a:1'] }] }, /targets\.0\.unknown setting brokerz/],
    ['SCRAM without its secret', { targets: [{ ...target, auth: 'scram-sha-512' }] }, /target "x": scramSecretArn is required for auth scram-sha-512/],
    [
      'a run that cannot fit its schedule',
      { targets: [{ ...target, runTimeoutSeconds: 55 }] },
      /target "x": runTimeout plus 10 s must fit in the schedule interval/,
    ],
    ['a malformed broker', { targets: [{ ...target, brokers: ['kafka'] }] }, /target "x": brokers must be host:port \(got "kafka"\)/],
    // Settings only the Lambda's own schema knows: synth runs it, so a deploy never ships a Lambda that rejects its environment.
    [
      'a topic Kafka would refuse',
      { targets: [{ ...target, topic: 'bad topic!' }] },
      /target "x": topic is not accepted by the probe Lambda, which would reject it at cold start: a valid Kafka topic name/,
    ],
    [
      'a metrics namespace CloudWatch would refuse',
      { targets: [{ ...target, namespace: 'no spaces please' }] },
      /target "x": namespace is not accepted by the probe Lambda.*letters, digits and/,
    ],
    [
      "a partition count the probe would refuse (its bound lives in the Lambda's schema alone)",
      { targets: [{ ...target, minPartitions: 0 }] },
      /target "x": minPartitions is not accepted by the probe Lambda, which would reject it at cold start: must be at least 1/,
    ],
    [
      'a CA that is not a PEM certificate',
      { targets: [{ ...target, tls: true, tlsCaPem: 'not a pem' }] },
      /target "x": tlsCaPem is not accepted by the probe Lambda.*must hold a PEM certificate/,
    ],
    // Pipeline canaries and lag checks: the same, through their own Lambdas' schemas.
    [
      'a pipeline template without the canary id',
      { pipelines: [{ ...pipeline, match: 'key', valueTemplate: 'hello' }] },
      /pipeline "p": valueTemplate is not accepted by the pipeline Lambda.*must contain \{\{id\}\}/,
    ],
    [
      'a pipeline match that can never find the id',
      { pipelines: [{ ...pipeline, match: 'regex:order-[0-9]+' }] },
      /pipeline "p": match is not accepted by the pipeline Lambda.*needs a capture group/,
    ],
    [
      'a pipeline latency threshold beyond its deadline',
      { pipelines: [{ ...pipeline, deadlineSeconds: 30, thresholds: { pipelineLatencyMs: 40_000 } }] },
      /pipeline "p": thresholds\.pipelineLatency cannot exceed the deadline/,
    ],
    [
      'a lag check with no group to check',
      { lagChecks: [{ brokers: 'b-1.example.internal:9092' }] },
      /lag check "lag": groups name at least one consumer group, or set groupPattern/,
    ],
    [
      'a lag check pattern that is not a regular expression',
      { lagChecks: [{ brokers: 'b-1.example.internal:9092', groupPattern: '(' }] },
      /lag check "lag": groupPattern is not accepted by the lag check Lambda.*valid regular expression/,
    ],
    ['nothing to check at all', { targets: [] }, /targets: needs at least one of targets \(canary probes\), pipelines, lagChecks or loadTests/],
  ];
  it.each(cases)(
    '%s',
    async (_label, config, message) => {
      const result = await synth(config);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(message);
      expect(result.output).not.toMatch(/at Object\.|node:internal/); // a message, not a stack trace
    },
    120_000,
  );
});

describe('cdk deploy against the AWS emulator', () => {
  it('bootstraps, deploys the stack to CREATE_COMPLETE with the probe Lambda, and destroys it', async () => {
    const dir = tempDir('deploy');
    const file = join(dir, 'streamprobe.json');
    writeFileSync(
      file,
      JSON.stringify({
        stackName: 'ProbeDeployTest',
        alarmEmails: ['oncall@example.com'],
        targets: [{ probeName: 'deployed', brokers: ['b-1.example.internal:9092'] }],
        pipelines: [{ ...pipeline, pipelineName: 'deployed-flow' }],
        lagChecks: [{ checkName: 'deployed-lag', brokers: 'b-1.example.internal:9092', groups: ['billing'] }],
      }),
    );
    const aws = {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: moto.endpoint,
    };
    const env = offlineEnv(aws);
    const common = ['-c', `streamprobeConfig=${file}`, '-o', join(dir, 'cdk.out')];

    const bootstrap = await cdk(['bootstrap', 'aws://123456789012/us-east-1', ...common], env);
    expect(bootstrap.code, bootstrap.output).toBe(0);
    const deploy = await cdk(['deploy', 'ProbeDeployTest', '--require-approval', 'never', '--progress', 'events', ...common], env);
    expect(deploy.code, deploy.output).toBe(0);

    const client = { region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    const stacks = await new CloudFormationClient(client).send(new DescribeStacksCommand({ StackName: 'ProbeDeployTest' }));
    expect(stacks.Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    const functions = (await new LambdaClient(client).send(new ListFunctionsCommand({}))).Functions ?? [];
    const probe = functions.find((f) => f.Environment?.Variables?.STREAMPROBE_PROBE_NAME === 'deployed');
    expect(probe).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler', Timeout: 30, MemorySize: 256 });
    expect(probe!.Environment!.Variables).toMatchObject({
      STREAMPROBE_BROKERS: 'b-1.example.internal:9092',
      STREAMPROBE_METRICS_SINK: 'api',
      STREAMPROBE_RUN_TIMEOUT_MS: '20000',
    });
    expect(functions.find((f) => f.Environment?.Variables?.STREAMPROBE_PIPELINE_NAME === 'deployed-flow')?.Environment?.Variables).toMatchObject({
      STREAMPROBE_INPUT_TOPIC: 'in',
      STREAMPROBE_OUTPUT_TOPIC: 'out',
    });
    expect(functions.find((f) => f.Environment?.Variables?.STREAMPROBE_LAG_CHECK_NAME === 'deployed-lag')?.Environment?.Variables).toMatchObject({
      STREAMPROBE_GROUPS: 'billing',
    });

    const destroy = await cdk(['destroy', 'ProbeDeployTest', '--force', ...common], env);
    expect(destroy.code, destroy.output).toBe(0);
    const after = await new CloudFormationClient(client).send(new DescribeStacksCommand({ StackName: 'ProbeDeployTest' })).catch((e: Error) => e);
    expect(after instanceof Error ? after.message : after.Stacks?.[0]?.StackStatus).toMatch(/does not exist|DELETE_COMPLETE/);
  }, 400_000);
});
