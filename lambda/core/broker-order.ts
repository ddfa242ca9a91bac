/**
 * The order in which the clients try the bootstrap brokers. kafkajs always starts at the first one listed
 * and moves on only after a timeout, so a hung first broker would fail every cold start: each process
 * starts at a random broker, and after a failed connect the next attempt starts one further along.
 */
export class BrokerOrder {
  private start: number;

  constructor(private readonly brokers: readonly string[], random: () => number = Math.random) {
    this.start = Math.floor(random() * brokers.length) % Math.max(1, brokers.length);
  }

  /** The list as the clients should see it: every broker once, beginning at the current start. */
  get list(): string[] {
    return [...this.brokers.slice(this.start), ...this.brokers.slice(0, this.start)];
  }

  /** Moves past the broker that was tried first, after a connect that failed. */
  passFirst(): void {
    this.start = (this.start + 1) % Math.max(1, this.brokers.length);
  }
}
