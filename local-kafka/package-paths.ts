/**
 * Where streamprobe's own files are, the same way whether it runs from a clone (TypeScript through tsx)
 * or from an installed package (compiled into dist/): the package root is the nearest folder above with
 * streamprobe's package.json. A clone caches downloads in its ignored .cache/; an installed package must
 * not write into node_modules (it may be read-only, and is replaced on every install), so it caches in the
 * user's cache folder instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { TOOL_ENV } from '../lambda/contract';

function findPackage(from: string): { root: string; version: string } {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    const manifest = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string }) : undefined;
    if (manifest?.name === 'streamprobe') return { root: dir, version: manifest.version };
    if (dirname(dir) === dir) throw new Error(`streamprobe: no package.json of streamprobe above ${from}`);
  }
}

const found = findPackage(__dirname);
export const PACKAGE_ROOT = found.root;
export const PACKAGE_VERSION = found.version;

/** A clone has its lock file; an installed package never does (npm does not pack it). */
export const IS_CLONE = existsSync(join(PACKAGE_ROOT, 'package-lock.json'));

/** STREAMPROBE_CACHE_DIR, else .cache/ in a clone, else $XDG_CACHE_HOME/streamprobe or ~/.cache/streamprobe. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env[TOOL_ENV.cacheDir];
  if (chosen) return chosen;
  if (IS_CLONE) return join(PACKAGE_ROOT, '.cache');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'streamprobe');
}
