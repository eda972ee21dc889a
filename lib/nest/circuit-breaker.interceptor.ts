import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  ServiceUnavailableException,
} from '@nestjs/common';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import { isBulkheadFullError, isCircuitOpenError } from '../core/index.js';
import {
  CIRCUIT_OPEN_RESPONSE_MESSAGE,
  CIRCUIT_OPEN_STATUS_CODE,
} from './circuit-breaker.constants.js';

/** The payload that stands for a rejected call in every transport. */
export interface CircuitBreakerOpenResponse {
  statusCode: number;
  message: string;
  /** Seconds to wait before retrying; absent when unknown, as in forced-open. */
  retryAfter?: number;
}

/** A response object of Express (`header`, `setHeader`) or Fastify (`header`). */
interface HeaderTarget {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

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
        if (!isCircuitOpenError(error) && !isBulkheadFullError(error)) {
          return throwError(() => error);
        }

        const retryAfterMs = isCircuitOpenError(error) ? error.retryAfter : undefined;

        return from(this.mapRejection(context, toRetryAfterSeconds(retryAfterMs))).pipe(
          mergeMap((mapped) => throwError(() => mapped)),
        );
      }),
    );
  }

  /**
   * Builds the error the transport answers a rejected call with. The microservices and websockets
   * packages are optional, so they are loaded only for their own contexts.
   *
   * @param retryAfter seconds to wait before retrying, or `undefined` when unknown
   */
  protected async mapRejection(
    context: ExecutionContext,
    retryAfter: number | undefined,
  ): Promise<unknown> {
    const response: CircuitBreakerOpenResponse = {
      statusCode: CIRCUIT_OPEN_STATUS_CODE,
      message: CIRCUIT_OPEN_RESPONSE_MESSAGE,
      retryAfter,
    };

    const type = context.getType();

    if (type === 'rpc') {
      const { RpcException } = await import('@nestjs/microservices');

      return new RpcException(response);
    }

    if (type === 'ws') {
      const { WsException } = await import('@nestjs/websockets');

      return new WsException(response);
    }

    if (type === 'http' && retryAfter !== undefined) {
      setHeader(context.switchToHttp().getResponse<HeaderTarget>(), String(retryAfter));
    }

    return new ServiceUnavailableException(response);
  }
}

/** Rounds milliseconds up to whole seconds, at least 1; `undefined` stays unknown. */
function toRetryAfterSeconds(retryAfterMs: number | undefined): number | undefined {
  if (retryAfterMs === undefined) return undefined;

  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

function setHeader(response: HeaderTarget, value: string): void {
  if (typeof response.header === 'function') {
    response.header('Retry-After', value);
  } else if (typeof response.setHeader === 'function') {
    response.setHeader('Retry-After', value);
  }
}
