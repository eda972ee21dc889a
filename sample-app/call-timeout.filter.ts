import { Catch, GatewayTimeoutException } from '@nestjs/common';
import type { ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

import { CallTimeoutError } from '../lib/index.js';

/** Answers 504 Gateway Timeout when a call outlasts its breaker's `callTimeout`. */
@Catch(CallTimeoutError)
export class CallTimeoutFilter extends BaseExceptionFilter {
  /** Replaces the timeout with a 504 and lets Nest's default handling answer. */
  override catch(_error: CallTimeoutError, host: ArgumentsHost): void {
    super.catch(new GatewayTimeoutException('The upstream service did not answer in time'), host);
  }
}
