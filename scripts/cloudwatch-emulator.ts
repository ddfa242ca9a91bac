/** Runs moto's CloudWatch emulator in the foreground for local metric experiments; Ctrl-C stops it. */
import { startMoto } from './local-moto';

(async () => {
  const moto = await startMoto();
  process.stderr.write(`CloudWatch emulator at ${moto.endpoint} (Ctrl-C stops it)\n`
    + `  publish:  npm run streamprobe -- run --metrics api --metrics-endpoint ${moto.endpoint}\n`
    + `  read:     npm run read-metrics -- --endpoint ${moto.endpoint}\n`);
  const stop = () => void moto.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
})().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
