/**
 * Progress of a first-run download (Maven fetching the Kafka jars): what, how big, how far. Maven prints
 * one "Downloaded from <repo>: <url> (<size> at <rate>)" line per file; those are counted here and shown
 * as one line that updates in place on a terminal, or a line every few seconds into a log.
 */

const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };

/** The bytes of one finished download, from a Maven log line; undefined for any other line. */
export function mavenDownloadBytes(line: string): number | undefined {
  const m = /Downloaded from [^:]+: \S+ \((\d+(?:\.\d+)?) (B|kB|KB|MB|GB)/.exec(line);
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}

export interface DownloadProgress {
  readonly files: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  /** What a machine with nothing cached downloads; a warm cache downloads less. */
  readonly expectedBytes?: number;
}

export function formatProgress(what: string, p: DownloadProgress): string {
  if (p.files === 0) return `${what}: nothing to download yet (resolving, or copying from the local Maven cache), ${Math.round(p.elapsedMs / 1000)} s`;
  const mb = (b: number) => (b / 1e6).toFixed(1);
  const size =
    p.expectedBytes && p.bytes < p.expectedBytes
      ? `${mb(p.bytes)} of about ${mb(p.expectedBytes)} MB (${Math.floor((100 * p.bytes) / p.expectedBytes)}%)`
      : `${mb(p.bytes)} MB`;
  return `${what}: ${size}, ${p.files} files, ${Math.round(p.elapsedMs / 1000)} s`;
}

/** Shows progress on a stream: rewritten in place on a terminal, a line every `everyMs` otherwise. */
export class ProgressLine {
  private files = 0;
  private bytes = 0;
  private readonly started = Date.now();
  private lastShown = 0;

  constructor(
    private readonly what: string,
    private readonly out: NodeJS.WriteStream,
    private readonly expectedBytes?: number,
    private readonly everyMs = out.isTTY ? 250 : 10_000,
  ) {}

  /** Feeds one line of the downloader's output. */
  line(text: string): void {
    const bytes = mavenDownloadBytes(text);
    if (bytes === undefined) return;
    this.files += 1;
    this.bytes += bytes;
    if (Date.now() - this.lastShown >= this.everyMs) this.show();
  }

  /** The final state, on a line of its own. */
  done(): void {
    this.show();
    if (this.out.isTTY) this.out.write('\n');
  }

  private show(): void {
    this.lastShown = Date.now();
    const text = formatProgress(this.what, { files: this.files, bytes: this.bytes, elapsedMs: Date.now() - this.started, expectedBytes: this.expectedBytes });
    this.out.write(this.out.isTTY ? `\r\x1b[2K${text}` : `${text}\n`);
  }
}
