/**
 * A TCP forwarder on 127.0.0.1 (or ::1, to reach a broker over IPv6) that can be switched off and on, to
 * make a broker unreachable for a while.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../../local-kafka/broker';

export class SwitchableProxy {
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
    private readonly listenHost: string,
  ) {}

  static async create(target: string, listenHost = '127.0.0.1'): Promise<SwitchableProxy> {
    const [host, port] = target.split(':');
    return new SwitchableProxy(await freePort(), { host: host!, port: Number(port) }, listenHost);
  }

  get address(): string {
    return this.listenHost.includes(':') ? `[${this.listenHost}]:${this.port}` : `${this.listenHost}:${this.port}`;
  }

  async on(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, this.listenHost, r));
  }

  async off(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
  }
}
