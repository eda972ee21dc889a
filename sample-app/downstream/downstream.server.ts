import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the downstream answers: `healthy` with 200 and a JSON body, `failing` with 500, `hanging`
 * not at all until the mode changes.
 */
export type DownstreamMode = 'healthy' | 'failing' | 'hanging';

/** The quote the downstream serves on `/quote` while healthy. */
export interface Quote {
  symbol: string;
  price: number;
  servedAt: number;
}

/** The stock level the downstream serves on `/stock` while healthy. */
export interface StockLevel {
  sku: string;
  available: number;
}

/**
 * Stands in for a remote dependency: a small HTTP server on loopback whose behaviour is switched
 * in-process, so a demo or a test can make it fail, hang and recover on cue.
 *
 * @example
 * const downstream = new DownstreamServer();
 * const url = await downstream.start();
 * downstream.setMode('failing');
 * await downstream.close();
 */
export class DownstreamServer {
  private readonly server: Server = createServer((request, response) =>
    this.receive(request, response),
  );

  private readonly held = new Set<[IncomingMessage, ServerResponse]>();
  private currentMode: DownstreamMode = 'healthy';
  private requestCount = 0;
  private quotePrice = 100;

  /** The mode the server answers in now. */
  get mode(): DownstreamMode {
    return this.currentMode;
  }

  /** Requests received since the server started, answered or not. */
  get requests(): number {
    return this.requestCount;
  }

  /** Requests received in `hanging` mode and not answered yet. */
  get hanging(): number {
    return this.held.size;
  }

  /**
   * Starts listening on an ephemeral loopback port.
   *
   * @returns the server's base URL, such as `http://127.0.0.1:41234`
   */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });

    const { port } = this.server.address() as AddressInfo;

    return `http://127.0.0.1:${port}`;
  }

  /**
   * Switches how requests are answered. Leaving `hanging` answers every held request in the new
   * mode, as a dependency that comes back would drain its queue.
   */
  setMode(mode: DownstreamMode): void {
    this.currentMode = mode;

    if (mode === 'hanging') {
      return;
    }

    const held = [...this.held];
    this.held.clear();

    for (const [request, response] of held) {
      this.answer(request, response);
    }
  }

  /** Stops the server, dropping held requests and open connections. */
  async close(): Promise<void> {
    this.held.clear();

    if (!this.server.listening) {
      return;
    }

    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private receive(request: IncomingMessage, response: ServerResponse): void {
    this.requestCount += 1;
    this.answer(request, response);
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    if (this.currentMode === 'hanging') {
      this.held.add([request, response]);

      return;
    }

    if (this.currentMode === 'failing') {
      this.send(response, 500, { message: 'downstream failure' });

      return;
    }

    const path = request.url ?? '/';

    if (path === '/quote') {
      this.quotePrice += 1;
      this.send(response, 200, { symbol: 'ACME', price: this.quotePrice, servedAt: Date.now() });

      return;
    }

    if (path === '/stock') {
      this.send(response, 200, { sku: 'widget', available: 42 });

      return;
    }

    this.send(response, 404, { message: 'not found' });
  }

  private send(response: ServerResponse, status: number, body: object): void {
    if (response.destroyed) {
      return;
    }

    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }
}
