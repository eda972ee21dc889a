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

/** The body `POST /records` takes: one record of the data pipeline. */
export interface StoredRecord {
  id: number;
}

/** A request the server has read to the end, with the response it owes. */
interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  body: string;
}

/**
 * Stands in for a remote dependency: a small HTTP server on loopback whose behaviour is switched
 * in-process, so a demo or a test can make it fail, hang and recover on cue. Besides quotes and
 * stock levels it stores records sent with `POST /records`, counting how often each was stored.
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

  private readonly held = new Set<Exchange>();
  private readonly storeCounts = new Map<number, number>();
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

  /** Requests received in `hanging` mode, not answered yet, whose client still waits. */
  get hanging(): number {
    return this.held.size;
  }

  /** How many times each record id was stored by `POST /records`, in the order first stored. */
  get storedRecords(): ReadonlyMap<number, number> {
    return this.storeCounts;
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

    for (const exchange of held) {
      this.answer(exchange);
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
    const chunks: Buffer[] = [];

    this.requestCount += 1;
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () =>
      this.answer({ request, response, body: Buffer.concat(chunks).toString('utf8') }),
    );
  }

  private answer(exchange: Exchange): void {
    const { request, response } = exchange;

    if (this.currentMode === 'hanging') {
      this.held.add(exchange);
      // A client that gives up, such as at a call deadline, is owed nothing any more.
      response.once('close', () => this.held.delete(exchange));

      return;
    }

    if (this.currentMode === 'failing') {
      this.send(response, 500, { message: 'downstream failure' });

      return;
    }

    const path = request.url ?? '/';

    if (request.method === 'POST' && path === '/records') {
      this.storeRecord(exchange);

      return;
    }

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

  /**
   * Stores the record in the body and answers 201, or 400 for a body without an integer `id`. A
   * record whose client has already gone is not stored, so that the write and its answer succeed
   * or fail together; a held request whose client gave up is never answered at all.
   */
  private storeRecord({ response, body }: Exchange): void {
    const id = parseRecordId(body);

    if (id === undefined) {
      this.send(response, 400, { message: 'expected a JSON body with an integer "id"' });

      return;
    }

    if (response.destroyed) {
      return;
    }

    const times = (this.storeCounts.get(id) ?? 0) + 1;

    this.storeCounts.set(id, times);
    this.send(response, 201, { id, times });
  }

  private send(response: ServerResponse, status: number, body: object): void {
    if (response.destroyed) {
      return;
    }

    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }
}

function parseRecordId(body: string): number | undefined {
  try {
    const record: unknown = JSON.parse(body);
    const id = typeof record === 'object' && record !== null && 'id' in record && record.id;

    return Number.isInteger(id) ? (id as number) : undefined;
  } catch {
    return undefined;
  }
}
