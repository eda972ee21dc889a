import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import {
  Controller,
  type INestMicroservice,
  Injectable,
  type Type,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import {
  ClientProxyFactory,
  type ClientProxy,
  MessagePattern,
  type MicroserviceOptions,
  Transport,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
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

  async level(): Promise<number> {
    if (!this.healthy) throw new Error('warehouse 7 is down');

    return 12;
  }
}

@Controller()
@UseInterceptors(CircuitBreakerInterceptor)
class StockController {
  constructor(private readonly stock: Stock) {}

  @MessagePattern('stock.level')
  @CircuitBreaker('stock')
  async level(): Promise<number> {
    return this.stock.level();
  }
}

@Controller()
@UseFilters(CircuitBreakerExceptionFilter)
class FilteredStockController {
  constructor(private readonly stock: Stock) {}

  @MessagePattern('stock.level')
  @CircuitBreaker('stock')
  async level(): Promise<number> {
    return this.stock.level();
  }
}

const answeredBy: [string, Type][] = [
  ['CircuitBreakerInterceptor', StockController],
  ['CircuitBreakerExceptionFilter', FilteredStockController],
];

describe.each(answeredBy)('over a TCP microservice, answered by %s', (_mapper, controller) => {
  let microservice: INestMicroservice;
  let client: ClientProxy;

  beforeEach(async () => {
    now = 0;

    const moduleRef = await Test.createTestingModule({
      imports: [
        CircuitBreakerModule.forRoot({
          defaults: { maxFailures: 1, timeout: 7_000, clock },
          logging: false,
        }),
      ],
      controllers: [controller],
      providers: [Stock],
    }).compile();

    microservice = moduleRef.createNestMicroservice<MicroserviceOptions>({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
      logger: false,
    });
    await microservice.listen();

    const { port } = microservice.unwrap<Server>().address() as AddressInfo;

    client = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port },
    });
    await client.connect();
  });

  afterEach(async () => {
    await client.close();
    await microservice.close();
  });

  const level = () => lastValueFrom(client.send<number>('stock.level', {}));

  it('answers through the breaker while the dependency is healthy', async () => {
    microservice.get(Stock).healthy = true;

    await expect(level()).resolves.toBe(12);
    expect(microservice.get(CircuitBreakerRegistry).get('stock').stats().successes).toBe(1);
  });

  it('answers an open circuit with a 503 payload that does not name the breaker', async () => {
    await expect(level()).rejects.toBeDefined();
    now += 2_000;

    const error: unknown = await level().catch((thrown: unknown) => thrown);

    expect(error).toEqual({
      statusCode: 503,
      message: 'Service temporarily unavailable',
      retryAfter: 5,
    });
  });
});
