/** Rewrites one generated section of the README, between <!-- NAME:start --> and <!-- NAME:end --> markers. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../local-kafka/broker';

export function refreshReadmeSection(name: string, body: string): void {
  const file = join(PROJECT_ROOT, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  if (!readme.includes(start)) return;
  writeFileSync(file, readme.replace(new RegExp(`${start}[\\s\\S]*${end}`), `${start}\n${body}\n${end}`));
}
