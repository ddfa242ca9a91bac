/**
 * Runs moto's server (CloudWatch, and the CloudFormation, Lambda, IAM, S3 and SNS a deploy needs) in the
 * foreground for local metric and deploy experiments; Ctrl-C stops it.
 */
import { startMoto } from './local-moto';

(async () => {
  const moto = await startMoto();
  process.stderr.write(
    `AWS emulator (moto) at ${moto.endpoint} (Ctrl-C stops it)\n` +
      `  publish:  npm run streamprobe -- run --metrics api --metrics-endpoint ${moto.endpoint}\n` +
      `  read:     npm run read-metrics -- --endpoint ${moto.endpoint}\n` +
      `  deploy:   export AWS_ENDPOINT_URL=${moto.endpoint} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1\n` +
      '            npx cdk bootstrap aws://123456789012/us-east-1 && npx cdk deploy --require-approval never\n',
  );
  const stop = () => void moto.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
})().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
