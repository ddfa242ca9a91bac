/** The first-run download progress: sizes read from Maven's own lines, and what the user sees. */
import { describe, expect, it } from 'vitest';
import { formatProgress, mavenDownloadBytes, ProgressLine } from '../../local-kafka/download-progress';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream };
}

describe('download progress', () => {
  it('reads the size of each finished download from Maven lines, in any unit, and nothing else', () => {
    expect(mavenDownloadBytes('[INFO] Downloaded from central: https://r.example/maven2/a/b/1/b-1.pom (18 kB at 27 kB/s)')).toBe(18_000);
    expect(mavenDownloadBytes('Downloaded from mirror: https://r.example/kafka_2.13-4.1.1.jar (6.8 MB at 3.1 MB/s)')).toBe(6_800_000);
    expect(mavenDownloadBytes('Downloaded from central: https://r.example/x.sha1 (40 B at 1 kB/s)')).toBe(40);
    expect(mavenDownloadBytes('[INFO] Downloading from central: https://r.example/a.jar')).toBeUndefined();
    expect(mavenDownloadBytes('[INFO] BUILD SUCCESS')).toBeUndefined();
  });

  it('says what, how far of how big, and how long; never more than 100%', () => {
    expect(formatProgress('Apache Kafka jars', { files: 120, bytes: 23_400_000, elapsedMs: 35_400, expectedBytes: 78_000_000 })).toBe(
      'Apache Kafka jars: 23.4 of about 78.0 MB (30%), 120 files, 35 s',
    );
    expect(formatProgress('Apache Kafka jars', { files: 470, bytes: 80_000_000, elapsedMs: 60_000, expectedBytes: 78_000_000 })).toBe(
      'Apache Kafka jars: 80.0 MB, 470 files, 60 s',
    );
    expect(formatProgress('jars', { files: 0, bytes: 0, elapsedMs: 2_000 })).toMatch(/^jars: nothing to download yet/);
  });

  it('rewrites one line in place on a terminal, and writes whole lines into a log', () => {
    const tty = fakeStream(true);
    const onTty = new ProgressLine('jars', tty.stream, undefined, 0);
    onTty.line('Downloaded from central: https://r.example/a.jar (1.0 MB at 1 MB/s)');
    onTty.done();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the line starts with the terminal's erase-line escape.
    expect(tty.writes[0]).toMatch(/^\r\x1b\[2Kjars: 1\.0 MB, 1 files/);
    expect(tty.writes.at(-1)).toBe('\n');

    const log = fakeStream(false);
    const inLog = new ProgressLine('jars', log.stream, undefined, 60_000);
    for (let i = 0; i < 5; i++) inLog.line('Downloaded from central: https://r.example/a.jar (1.0 MB at 1 MB/s)');
    inLog.done();
    // One line at the first file, then nothing until the interval passes, then the final state.
    expect(log.writes).toEqual(['jars: 1.0 MB, 1 files, 0 s\n', 'jars: 5.0 MB, 5 files, 0 s\n']);
  });
});
