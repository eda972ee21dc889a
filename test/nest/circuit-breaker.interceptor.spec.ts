import 'reflect-metadata';
import {
  type CallHandler,
  type ExecutionContext,
  ServiceUnavailableException,
} from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { WsException } from '@nestjs/websockets';
import { jest } from '@jest/globals';
import { lastValueFrom, of, throwError } from 'rxjs';
import { BulkheadFullError, CircuitOpenError } from '../../lib/core/index.js';
import { CircuitBreakerInterceptor } from '../../lib/nest/circuit-breaker.interceptor.js';

type ContextType = 'http' | 'rpc' | 'ws' | 'graphql';

/** Builds an execution context of `type` whose HTTP response is `response`. */
function contextOf(type: ContextType, response: object = {}): ExecutionContext {
  return {
    getType: () => type,
    switchToHttp: () => ({ getResponse: () => response }),
  } as unknown as ExecutionContext;
}

function failingWith(error: unknown): CallHandler {
  return { handle: () => throwError(() => error) };
}

/** Runs the interceptor and returns what its Observable errors with. */
async function mapped(context: ExecutionContext, error: unknown): Promise<unknown> {
  return lastValueFrom(new CircuitBreakerInterceptor().intercept(context, failingWith(error))).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
}

const open = (retryAfter: number | undefined) =>
  new CircuitOpenError('payments', retryAfter === undefined ? 'forced-open' : 'open', retryAfter);

describe('CircuitBreakerInterceptor', () => {
  describe('over HTTP', () => {
    it('maps CircuitOpenError to 503 and sets Retry-After with Express', async () => {
      const response = { setHeader: jest.fn(), header: jest.fn() };

      const error = await mapped(contextOf('http', response), open(2_500));

      expect(error).toBeInstanceOf(ServiceUnavailableException);
      expect((error as ServiceUnavailableException).getStatus()).toBe(503);
      expect((error as ServiceUnavailableException).getResponse()).toEqual({
        statusCode: 503,
        message: 'Service temporarily unavailable',
        retryAfter: 3,
      });
      expect(response.header).toHaveBeenCalledWith('Retry-After', '3');
    });

    it('sets Retry-After through reply.header() with Fastify', async () => {
      const reply = { header: jest.fn() };

      await mapped(contextOf('http', reply), open(10_000));

      expect(reply.header).toHaveBeenCalledWith('Retry-After', '10');
    });

    it('falls back to setHeader() on a bare Node response', async () => {
      const response = { setHeader: jest.fn() };

      await mapped(contextOf('http', response), open(1));

      expect(response.setHeader).toHaveBeenCalledWith('Retry-After', '1');
    });

    it.each([
      [0, '1'],
      [1, '1'],
      [1_000, '1'],
      [1_001, '2'],
    ])('rounds %d ms up to %s s, at least 1', async (retryAfter, header) => {
      const reply = { header: jest.fn() };

      await mapped(contextOf('http', reply), open(retryAfter));

      expect(reply.header).toHaveBeenCalledWith('Retry-After', header);
    });

    it('sets no Retry-After when the wait is unknown', async () => {
      const reply = { header: jest.fn() };

      const error = await mapped(contextOf('http', reply), open(undefined));

      expect(error).toBeInstanceOf(ServiceUnavailableException);
      expect(reply.header).not.toHaveBeenCalled();
    });

    it('maps BulkheadFullError to 503 without Retry-After', async () => {
      const reply = { header: jest.fn() };

      const error = await mapped(contextOf('http', reply), new BulkheadFullError('payments', 4));

      expect((error as ServiceUnavailableException).getStatus()).toBe(503);
      expect(reply.header).not.toHaveBeenCalled();
    });

    it('never names the breaker in the answer', async () => {
      const error = await mapped(contextOf('http'), open(1_000));

      expect(JSON.stringify((error as ServiceUnavailableException).getResponse())).not.toContain(
        'payments',
      );
    });

    it('passes other errors through unchanged', async () => {
      const original = new Error('boom');

      await expect(mapped(contextOf('http'), original)).resolves.toBe(original);
    });

    it('passes results through unchanged', async () => {
      const handler: CallHandler = { handle: () => of('quote') };

      await expect(
        lastValueFrom(new CircuitBreakerInterceptor().intercept(contextOf('http'), handler)),
      ).resolves.toBe('quote');
    });
  });

  it('maps CircuitOpenError to an RpcException for microservices', async () => {
    const error = await mapped(contextOf('rpc'), open(4_000));

    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toEqual({
      statusCode: 503,
      message: 'Service temporarily unavailable',
      retryAfter: 4,
    });
  });

  it('maps CircuitOpenError to a WsException for gateways', async () => {
    const error = await mapped(contextOf('ws'), open(undefined));

    expect(error).toBeInstanceOf(WsException);
    expect((error as WsException).getError()).toEqual({
      statusCode: 503,
      message: 'Service temporarily unavailable',
      retryAfter: undefined,
    });
  });

  it('maps CircuitOpenError to a 503 HttpException in other contexts', async () => {
    const error = await mapped(contextOf('graphql'), open(1_000));

    expect(error).toBeInstanceOf(ServiceUnavailableException);
  });
});
