import callTimeout from './call-timeout.js';
import closedConsecutive from './closed-consecutive.js';
import closedTimeWindow from './closed-time-window.js';
import failureWindow from './failure-window.js';
import httpInterceptor from './http-interceptor.js';
import idleMemory from './idle-memory.js';
import metricsOverhead from './metrics-overhead.js';
import nestDecorator from './nest-decorator.js';
import openRejection from './open-rejection.js';

/** Every case, in the order the table lists them. */
export const CASES = [
  closedConsecutive,
  closedTimeWindow,
  callTimeout,
  metricsOverhead,
  failureWindow,
  openRejection,
  nestDecorator,
  httpInterceptor,
  idleMemory,
];
