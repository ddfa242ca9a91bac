/**
 * The constructs in Python, as a Python CDK user meets them: the wheel jsii-pacmak builds (scripts/
 * build-python.ts), installed into a virtualenv with aws-cdk-lib and constructs from PyPI, used by a Python
 * CDK app with tokens as props, synthesized with python. Its template is compared, section by section, with
 * the one the same app written in TypeScript synthesizes against the built npm package (dist/lib).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CACHE_DIR, PROJECT_ROOT } from '../../local-kafka/broker';
import { buildPythonPackage } from '../../scripts/build-python';
import { ensurePythonTools } from '../../scripts/local-moto';

const VENV = join(CACHE_DIR, 'venv-cdk');

/** One app, written twice: every construct, a CfnParameter's value and a secret's ARN among its props. */
const PYTHON_APP = `
import sys
import aws_cdk as cdk
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
import streamprobe

app = cdk.App(outdir=sys.argv[1])
stack = cdk.Stack(app, "UserStack")
cluster_arn = cdk.CfnParameter(stack, "ClusterArn", type="String").value_as_string
pages = sns.Topic(stack, "Pages")
scram = secretsmanager.Secret(stack, "Scram")
streamprobe.StreamProbeRoundTrip(stack, "Orders", probe_name="orders", brokers=["b-1.orders.example:9098", "b-2.orders.example:9098"],
    auth="msk-iam", msk_cluster_arn=cluster_arn, thresholds=streamprobe.AlarmThresholds(end_to_end_latency=cdk.Duration.millis(800)),
    paging_topic=pages)
streamprobe.StreamProbePipeline(stack, "Enrich", pipeline_name="enrich", input_brokers=["b-1.orders.example:9096"], input_topic="orders",
    output_topic="orders-enriched", auth="scram-sha-512", scram_secret_arn=scram.secret_arn, deadline=cdk.Duration.seconds(30),
    paging_topic=pages)
streamprobe.StreamProbeLagCheck(stack, "Lag", check_name="billing", brokers=["b-1.orders.example:9098"], auth="msk-iam",
    msk_cluster_arn=cluster_arn, groups=["billing", "svc/orders@v2"], paging_topic=pages)
streamprobe.StreamProbeLoadTest(stack, "Capacity", load_test_name="capacity", brokers=["b-1.orders.example:9098"], auth="msk-iam",
    msk_cluster_arn=cluster_arn, rate="5MB/s")
app.synth()
`;

const TYPESCRIPT_APP = `
const { App, CfnParameter, Duration, Stack } = require('aws-cdk-lib');
const secretsmanager = require('aws-cdk-lib/aws-secretsmanager');
const sns = require('aws-cdk-lib/aws-sns');
const { StreamProbeLagCheck, StreamProbeLoadTest, StreamProbePipeline, StreamProbeRoundTrip } = require(${JSON.stringify(join(PROJECT_ROOT, 'dist', 'lib', 'index.js'))});
const app = new App({ outdir: process.argv[2] });
const stack = new Stack(app, 'UserStack');
const clusterArn = new CfnParameter(stack, 'ClusterArn', { type: 'String' }).valueAsString;
const pages = new sns.Topic(stack, 'Pages');
const scram = new secretsmanager.Secret(stack, 'Scram');
new StreamProbeRoundTrip(stack, 'Orders', { probeName: 'orders', brokers: ['b-1.orders.example:9098', 'b-2.orders.example:9098'],
  auth: 'msk-iam', mskClusterArn: clusterArn, thresholds: { endToEndLatency: Duration.millis(800) }, pagingTopic: pages });
new StreamProbePipeline(stack, 'Enrich', { pipelineName: 'enrich', inputBrokers: ['b-1.orders.example:9096'], inputTopic: 'orders',
  outputTopic: 'orders-enriched', auth: 'scram-sha-512', scramSecretArn: scram.secretArn, deadline: Duration.seconds(30), pagingTopic: pages });
new StreamProbeLagCheck(stack, 'Lag', { checkName: 'billing', brokers: ['b-1.orders.example:9098'], auth: 'msk-iam', mskClusterArn: clusterArn,
  groups: ['billing', 'svc/orders@v2'], pagingTopic: pages });
new StreamProbeLoadTest(stack, 'Capacity', { loadTestName: 'capacity', brokers: ['b-1.orders.example:9098'], auth: 'msk-iam',
  mskClusterArn: clusterArn, rate: '5MB/s' });
app.synth();
`;

interface Template {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
  readonly [section: string]: unknown;
}

let python: string;
let dir: string;

function synth(command: string, script: string, name: string): { code: number | null; stderr: string; template?: Template } {
  const file = join(dir, name);
  writeFileSync(file, script);
  const out = join(dir, `${name}.out`);
  const r = spawnSync(command, [file, out], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, NODE_PATH: join(PROJECT_ROOT, 'node_modules') } });
  if (r.status !== 0) return { code: r.status, stderr: r.stderr };
  return { code: 0, stderr: r.stderr, template: JSON.parse(readFileSync(join(out, 'UserStack.template.json'), 'utf8')) as Template };
}

beforeAll(() => {
  const bin = ensurePythonTools((l) => process.stderr.write(`${l}\n`), {
    venv: VENV,
    requirements: join(PROJECT_ROOT, 'scripts', 'python', 'cdk-requirements.txt'),
  });
  const wheel = buildPythonPackage();
  const install = spawnSync(join(bin, 'pip'), ['install', '--quiet', '--disable-pip-version-check', '--force-reinstall', '--no-deps', wheel], {
    encoding: 'utf8',
  });
  if (install.status !== 0) throw new Error(`installing ${wheel} failed: ${install.stderr}`);
  python = join(bin, 'python');
  mkdirSync(join(CACHE_DIR, 'run'), { recursive: true });
  dir = mkdtempSync(join(CACHE_DIR, 'run', 'python-app-'));
}, 600_000);

describe('the constructs from Python', () => {
  it('a Python CDK app with every construct and tokens as props synthesizes the same template as the TypeScript app', () => {
    const py = synth(python, PYTHON_APP, 'app.py');
    expect(py.code, py.stderr).toBe(0);
    const ts = synth(process.execPath, TYPESCRIPT_APP, 'app.js');
    expect(ts.code, ts.stderr).toBe(0);
    const count = (t: Template, type: string) => Object.values(t.Resources).filter((r) => r.Type === type).length;
    // What a user would look for first: four functions, their schedules, the composites that page, the alarms.
    expect(count(py.template!, 'AWS::Lambda::Function')).toBe(4);
    expect(count(py.template!, 'AWS::Events::Rule')).toBe(3);
    expect(count(py.template!, 'AWS::CloudWatch::CompositeAlarm')).toBe(3);
    expect(count(py.template!, 'AWS::CloudWatch::Alarm')).toBeGreaterThan(60);
    // Then everything: the same resources under the same ids, with the same properties (the handler assets
    // are the same pre-bundled files), the same parameters and outputs.
    expect(Object.keys(py.template!.Resources).sort()).toEqual(Object.keys(ts.template!.Resources).sort());
    for (const [id, resource] of Object.entries(ts.template!.Resources)) expect(py.template!.Resources[id], id).toEqual(resource);
    for (const section of ['Parameters', 'Outputs', 'Conditions', 'Rules']) expect(py.template![section], section).toEqual(ts.template![section]);
  }, 300_000);

  it('a bad prop from Python fails synth with a message naming it (as the API reference does, in camelCase)', () => {
    const bad = PYTHON_APP.replace('probe_name="orders"', 'probe_name="orders and more"');
    const r = synth(python, bad, 'bad.py');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/streamprobe target "orders and more": probeName must be letters, digits/);
  }, 300_000);
});
