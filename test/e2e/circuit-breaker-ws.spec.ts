import 'reflect-metadata';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  type INestApplication,
  Injectable,
  type Type,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type WsResponse,
} from '@nestjs/websockets';
import WebSocket from 'ws';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { CircuitBreakerExceptionFilter } from '../../lib/nest/circuit-breaker.filter.js';
import { CircuitBreakerInterceptor } from '../../lib/nest/circuit-breaker.interceptor.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { CircuitBreakerRegistry } from '../../lib/nest/circuit-breaker.registry.js';

let now = 0;
const clock = () => now;

@Injectable()
class Stock {
  healthy = false;
  calls = 0;

  @CircuitBreaker('warehouse', { maxFailures: 2, timeout: 5_000 })
  async level(sku: string): Promise<number> {
    this.calls++;

    if (!this.healthy) throw new Error(`warehouse 7 is down, ${sku} unknown`);

    return 12;
  }
}

@WebSocketGateway()
@UseInterceptors(CircuitBreakerInterceptor)
class StockGateway {
  constructor(private readonly stock: Stock) {}

  @SubscribeMessage('level')
  async level(@MessageBody() sku: string): Promise<WsResponse<number>> {
    return { event: 'level', data: await this.stock.level(sku) };
  }
}

@WebSocketGateway()
@UseFilters(CircuitBreakerExceptionFilter)
class FilteredStockGateway {
  constructor(private readonly stock: Stock) {}

  @SubscribeMessage('level')
  async level(@MessageBody() sku: string): Promise<WsResponse<number>> {
    return { event: 'level', data: await this.stock.level(sku) };
  }
}

const answeredBy: [string, Type][] = [
  ['CircuitBreakerInterceptor', StockGateway],
  ['CircuitBreakerExceptionFilter', FilteredStockGateway],
];

describe.each(answeredBy)('over a WebSocket gateway, answered by %s', (_mapper, gateway) => {
  let app: INestApplication;
  let client: WebSocket;
  let stock: Stock;
  let registry: CircuitBreakerRegistry;

  beforeEach(async () => {
    now = 0;

    const moduleRef = await Test.createTestingModule({
      imports: [CircuitBreakerModule.forRoot({ defaults: { clock }, logging: false })],
      providers: [Stock, gateway],
    }).compile();

    app = moduleRef.createNestApplication({ logger: false });
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.listen(0, '127.0.0.1');

    const { port } = app.getHttpServer().address() as AddressInfo;

    client = new WebSocket(`ws://127.0.0.1:${port}`);
    await once(client, 'open');

    stock = app.get(Stock);
    registry = app.get(CircuitBreakerRegistry);
  });

  afterEach(async () => {
    const closed = once(client, 'close');

    client.close();
    await closed;
    await app.close();
  });

  /** Sends a `level` message and resolves with the raw text of the frame that answers it. */
  const level = async (sku: string): Promise<string> => {
    const answer = once(client, 'message');

    client.send(JSON.stringify({ event: 'level', data: sku }));

    const [frame] = (await answer) as [WebSocket.RawData];

    return frame.toString();
  };

  it('answers through the breaker while the dependency is healthy', async () => {
    stock.healthy = true;

    expect(JSON.parse(await level('A-1'))).toEqual({ event: 'level', data: 12 });
    expect(registry.get('warehouse').stats().successes).toBe(1);
  });

  it('answers an open circuit with a 503 exception frame and leaves the method uncalled', async () => {
    await level('A-1');
    await level('A-1');
    now += 1_500;

    const frame = JSON.parse(await level('A-1'));

    expect(frame).toEqual({
      event: 'exception',
      data: { statusCode: 503, message: 'Service temporarily unavailable', retryAfter: 4 },
    });
    expect(stock.calls).toBe(2);
    expect(registry.get('warehouse').stats().rejected).toBe(1);
  });

  it('never names the breaker in the frame that answers an open circuit', async () => {
    await level('A-1');
    await level('A-1');

    const frame = await level('A-1');

    expect(JSON.parse(frame)).toMatchObject({ event: 'exception', data: { statusCode: 503 } });
    expect(frame).not.toContain('warehouse');
  });

  it('passes an ordinary failure on unchanged while the circuit is closed', async () => {
    const frame = JSON.parse(await level('A-1'));

    expect(frame).toEqual({
      event: 'exception',
      data: {
        status: 'error',
        message: 'Internal server error',
        cause: { pattern: 'level', data: 'A-1' },
      },
    });
    expect(registry.get('warehouse').state).toBe('closed');
    expect(stock.calls).toBe(1);
  });
});
