import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  ServiceUnavailableException,
} from '@nestjs/common';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import {
  type CircuitBreakerOpenResponse,
  isRejection,
  openCircuitResponse,
  setRetryAfter,
} from './circuit-breaker-rejection.js';

export type { CircuitBreakerOpenResponse } from './circuit-breaker-rejection.js';

/**
 * Turns a call rejected by a breaker (`CircuitOpenError`, `BulkheadFullError`) that no fallback
 * answered into a "service unavailable" answer for the caller: HTTP 503 with a `Retry-After`
 * header, an `RpcException` for microservices, a `WsException` for gateways. The answer never
 * names the breaker. Other errors pass through unchanged.
 *
 * @example
 * @UseInterceptors(CircuitBreakerInterceptor)
 * @Controller('quotes')
 * export class QuotesController {}
 */
@Injectable()
export class CircuitBreakerInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!isRejection(error)) return throwError(() => error);

        return from(this.mapRejection(context, openCircuitResponse(error))).pipe(
          mergeMap((mapped) => throwError(() => mapped)),
        );
      }),
    );
  }

  /**
   * Builds the error the transport answers a rejected call with. The microservices and websockets
   * packages are optional, so they are loaded only for their own contexts.
   *
   * @param response the answer, `retryAfter` in seconds or `undefined` when unknown
   */
  protected async mapRejection(
    context: ExecutionContext,
    response: CircuitBreakerOpenResponse,
  ): Promise<unknown> {
    const type = context.getType();

    if (type === 'rpc') {
      const { RpcException } = await import('@nestjs/microservices');

      return new RpcException(response);
    }

    if (type === 'ws') {
      const { WsException } = await import('@nestjs/websockets');

      return new WsException(response);
    }

    if (type === 'http') setRetryAfter(context.switchToHttp().getResponse(), response.retryAfter);

    return new ServiceUnavailableException(response);
  }
}
