import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of Postgres, to take the database away from one service without
 * stopping the server that every other suite uses:
 * - `refuse()`: the database is down: open connections are reset, new ones refused;
 * - `blackhole()`: the database host is unreachable: connections open, bytes go nowhere;
 * - `restore()`: the database is back, on the same port.
 */
export class TcpProxy {
  private readonly links = new Set<{ client: Socket; upstream: Socket; silent: boolean }>();
  private server: Server | undefined;
  private mode: 'pass' | 'refuse' | 'blackhole' = 'pass';

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise((resolve) => probe.close(resolve));
    const proxy = new TcpProxy(port, target);
    await proxy.listen();
    return proxy;
  }

  /** How many client connections are open through the proxy. */
  get connections(): number {
    return this.links.size;
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'blackhole') {
      // Accepted, never answered: the client waits for the Postgres handshake.
      const link = { client, upstream: client, silent: true };
      this.links.add(link);
      client.on('close', () => this.links.delete(link));
      client.resume();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    upstream.on('error', () => client.destroy());
    const link = { client, upstream, silent: false };
    this.links.add(link);
    const close = () => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** The database is down: every open connection is reset and new ones are refused. */
  async refuse(): Promise<void> {
    this.mode = 'refuse';
    await this.stopListening();
    for (const { client, upstream } of this.links) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.links.clear();
  }

  /** The database is unreachable: open connections go silent, new ones are accepted and never answered. */
  async blackhole(): Promise<void> {
    this.mode = 'blackhole';
    for (const link of this.links) {
      link.silent = true;
      link.client.unpipe(link.upstream);
      link.upstream.unpipe(link.client);
      link.client.pause();
      link.upstream.pause();
    }
  }

  /** The database is back: unreachable connections are dropped, new ones pass through. */
  async restore(): Promise<void> {
    const wasRefusing = this.mode === 'refuse';
    this.mode = 'pass';
    // What went silent stays broken (a real network partition leaves such connections
    // dead too); the service must notice and open new ones.
    for (const { client, upstream, silent } of [...this.links]) {
      if (silent) {
        client.resetAndDestroy();
        upstream.destroy();
      }
    }
    if (wasRefusing) await this.listen();
  }

  async close(): Promise<void> {
    this.mode = 'refuse';
    await this.stopListening();
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
  }

  /** Stops accepting; resolves once the listening socket is closed (not waiting for open connections, which the caller destroys). */
  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server?.listening) return;
    const closed = new Promise((resolve) => server.once('close', resolve));
    server.close();
    for (const { client, upstream } of this.links) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    await closed;
  }
}
