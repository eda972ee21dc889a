import { type ArgumentsHost, Catch, type ExceptionFilter, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { from, mergeMap, type Observable } from 'rxjs';
import { BulkheadFullError, CircuitOpenError } from '../core/index.js';
import { CIRCUIT_OPEN_STATUS_CODE } from './circuit-breaker.constants.js';
import { openCircuitResponse, setRetryAfter } from './circuit-breaker-rejection.js';

/**
 * Answers a call rejected by a breaker (`CircuitOpenError`, `BulkheadFullError`) that no fallback
 * answered exactly as `CircuitBreakerInterceptor` does: HTTP 503 with a `Retry-After` header, an
 * `RpcException` for microservices, a `WsException` for gateways, never naming the breaker. As an
 * exception filter it runs only when a rejection reaches it, so the requests that succeed pay
 * nothing for it, where any interceptor puts every request through Nest's interceptor pipeline.
 * It catches the error classes of this copy of the package.
 *
 * @example
 * @UseFilters(CircuitBreakerExceptionFilter)
 * @Controller('quotes')
 * export class QuotesController {}
 *
 * // or for the whole application:
 * providers: [{ provide: APP_FILTER, useClass: CircuitBreakerExceptionFilter }]
 */
@Catch(CircuitOpenError, BulkheadFullError)
@Injectable()
export class CircuitBreakerExceptionFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /**
   * Sends the answer to the rejected call through the transport of `host`. The microservices and
   * websockets packages are optional, so they are loaded only for their own contexts.
   *
   * @returns for a microservice, the Observable that errors with the answer
   */
  catch(rejection: CircuitOpenError | BulkheadFullError, host: ArgumentsHost): unknown {
    const answer = openCircuitResponse(rejection);

    switch (host.getType()) {
      case 'rpc':
        return from(import('@nestjs/microservices')).pipe(
          mergeMap(
            ({ BaseRpcExceptionFilter, RpcException }) =>
              new BaseRpcExceptionFilter().catch(
                new RpcException(answer),
                host,
              ) as Observable<never>,
          ),
        );
      case 'ws':
        void import('@nestjs/websockets').then(({ BaseWsExceptionFilter, WsException }) =>
          new BaseWsExceptionFilter().catch(new WsException(answer), host),
        );

        return undefined;
      default: {
        const response: unknown = host.switchToHttp().getResponse();

        setRetryAfter(response, answer.retryAfter);
        this.adapterHost.httpAdapter.reply(response, answer, CIRCUIT_OPEN_STATUS_CODE);

        return undefined;
      }
    }
  }
}
