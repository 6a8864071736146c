import net from 'node:net';

/**
 * A TCP proxy the test can cut and restore, to play a dependency outage (PostgreSQL, Redis)
 * without touching the shared server. `stop()` refuses new connections and drops open ones;
 * `start()` again listens on the same port, so clients reconnect by themselves. `blackHole()`
 * plays the nastier outage: every link stays open and new ones are accepted, bytes sent are
 * swallowed and nothing ever answers; `heal()` drops the swallowed links and forwards again.
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly held = new Set<net.Socket>();
  private swallowing = false;
  port = 0;

  constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  /** A proxy in front of the host and port of `url` (postgres:// or redis://). */
  static forUrl(url: string, defaultPort: number): TcpProxy {
    const u = new URL(url);
    return new TcpProxy(u.hostname || '127.0.0.1', Number(u.port || defaultPort));
  }

  /** `url` rewritten to go through this proxy (credentials, path and query kept). */
  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** From now on nothing answers: open links stop forwarding, new ones are accepted and ignored. */
  blackHole(): void {
    this.swallowing = true;
    for (const s of this.sockets) this.swallow(s);
  }
  /**
   * Only the links open now go silent (kept open, nothing forwarded either way); new ones forward.
   * What a client sees when a route dies under an idle link: nothing at all until it asks.
   */
  silenceOpenLinks(): void {
    for (const s of this.sockets) this.swallow(s);
  }

  /** Ends the black hole: the swallowed links are dropped (their streams are broken) and new ones forward. */
  heal(): void {
    this.swallowing = false;
    for (const s of this.held) s.destroy();
    this.held.clear();
  }

  private swallow(s: net.Socket): void {
    s.unpipe();
    s.removeAllListeners('data');
    s.on('data', () => undefined);
    s.once('close', () => this.held.delete(s));
    this.held.add(s);
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      if (this.swallowing) {
        client.on('error', () => undefined);
        this.swallow(client);
        return;
      }
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of [...this.sockets, ...this.held]) s.destroy();
    this.held.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
