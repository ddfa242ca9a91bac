/**
 * The order in which new clients try the bootstrap brokers. kafkajs always starts at the first one listed
 * and moves on only after a timeout, so a hung first broker would fail every cold start, and every consumer
 * a warm probe makes to rejoin its group: each process starts at a random broker, after a failed connect or
 * join the next attempt starts one further along, and a broker the cluster's metadata listed before but
 * lists no more (fenced after it hung, or gone) is tried last until it is back.
 */
export class BrokerOrder {
  private start: number;
  private readonly seen = new Set<string>();
  private missing = new Set<string>();

  constructor(
    private readonly brokers: readonly string[],
    random: () => number = Math.random,
  ) {
    this.start = Math.floor(random() * brokers.length) % Math.max(1, brokers.length);
  }

  /** The list as the clients should see it: every broker once, beginning at the current start. */
  get list(): string[] {
    const cycle = [...this.brokers.slice(this.start), ...this.brokers.slice(0, this.start)];
    return [...cycle.filter((b) => !this.missing.has(addressKey(b))), ...cycle.filter((b) => this.missing.has(addressKey(b)))];
  }

  /** Moves past the broker that was tried first, after a connect or join that failed. */
  passFirst(): void {
    this.start = (this.start + 1) % Math.max(1, this.brokers.length);
  }

  /** The brokers the cluster's metadata lists now (host and port as advertised). */
  observe(live: ReadonlyArray<{ host: string; port: number }>): void {
    const now = new Set(live.map((b) => addressKey(b.host.includes(':') ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`)));
    for (const a of now) this.seen.add(a);
    this.missing = new Set([...this.seen].filter((a) => !now.has(a)));
  }
}

const addressKey = (address: string) => address.trim().toLowerCase();
