/**
 * Builds the publishable package into dist/: the CLI, the construct library and the runtime config
 * compiled to CommonJS with declarations (tsconfig.build.json), and each Lambda handler bundled on its own
 * (dist/handlers/<name>/index.js) with the options a clone's CDK app bundles with, so an installed
 * package deploys the same code without esbuild or a lock file. Run by `npm run build` and before `npm pack`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { CHECK_KINDS } from '../lambda/contract';
import { HANDLER_BUNDLING, handlerEntry } from '../lib/common/scheduled-check';
import { PACKAGE_ROOT } from '../local-kafka/package-paths';

const DIST = join(PACKAGE_ROOT, 'dist');
const HANDLERS = CHECK_KINDS;

function compile(): void {
  const tsc = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(PACKAGE_ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error(`tsc failed (exit ${tsc.status})`);
  chmodSync(join(DIST, 'bin', 'streamprobe.js'), 0o755);
}

function bundleHandlers(): void {
  for (const name of HANDLERS) {
    buildSync({
      entryPoints: [handlerEntry(name)],
      // Where bundledHandler() looks, relative to the compiled dist/lib/common/scheduled-check.js.
      outfile: join(DIST, 'handlers', name, 'index.js'),
      bundle: true,
      platform: 'node',
      target: HANDLER_BUNDLING.target,
      format: HANDLER_BUNDLING.format === 'cjs' ? 'cjs' : 'esm',
      minify: HANDLER_BUNDLING.minify,
      external: [...HANDLER_BUNDLING.externalModules],
      logLevel: 'warning',
    });
  }
}

rmSync(DIST, { recursive: true, force: true });
compile();
bundleHandlers();
process.stderr.write(`built ${DIST}\n`);
