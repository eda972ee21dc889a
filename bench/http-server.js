/**
 * The HTTP side of the interceptor case, run in its own process: a Nest application on Express
 * with the same handler on four routes: without interceptor, behind an interceptor that only
 * passes the call on (what any interceptor costs in Nest), behind `CircuitBreakerInterceptor`, and
 * behind `CircuitBreakerExceptionFilter`.
 * Sends `{ port }` to its parent once listening, then `{ cpuMicros }` in answer to each message.
 */
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, UseFilters, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import {
  CircuitBreakerExceptionFilter,
  CircuitBreakerInterceptor,
  CircuitBreakerModule,
  CircuitOpenError,
} from '../dist/index.js';

class PlainController {
  quote() {
    return { price: 42 };
  }
}

class PassThroughInterceptor {
  intercept(_context, next) {
    return next.handle();
  }
}

class PassThroughController {
  quote() {
    return { price: 42 };
  }
}

class GuardedController {
  quote() {
    return { price: 42 };
  }

  open() {
    throw new CircuitOpenError('quotes', 'open', 4_500);
  }
}

class FilteredController {
  quote() {
    return { price: 42 };
  }

  open() {
    throw new CircuitOpenError('quotes', 'open', 4_500);
  }
}

// What TypeScript emits for these decorators.
Reflect.decorate([Controller('plain')], PlainController);
Reflect.decorate([Injectable()], PassThroughInterceptor);
Reflect.decorate(
  [UseInterceptors(PassThroughInterceptor), Controller('pass-through')],
  PassThroughController,
);
Reflect.decorate(
  [UseInterceptors(CircuitBreakerInterceptor), Controller('guarded')],
  GuardedController,
);
Reflect.decorate(
  [UseFilters(CircuitBreakerExceptionFilter), Controller('filtered')],
  FilteredController,
);

for (const target of [
  PlainController,
  PassThroughController,
  GuardedController,
  FilteredController,
]) {
  Reflect.decorate([Get()], target.prototype, 'quote', descriptor(target, 'quote'));
}

for (const target of [GuardedController, FilteredController]) {
  Reflect.decorate([Get('open')], target.prototype, 'open', descriptor(target, 'open'));
}

class HttpBenchModule {}

Reflect.decorate(
  [
    Module({
      imports: [CircuitBreakerModule.forRoot({ logging: false })],
      controllers: [PlainController, PassThroughController, GuardedController, FilteredController],
    }),
  ],
  HttpBenchModule,
);

const app = await NestFactory.create(HttpBenchModule, { logger: false });

await app.listen(0, '127.0.0.1');
process.send({ port: app.getHttpServer().address().port });
// Answers each message with the CPU time the process has used, in microseconds.
process.on('message', () => {
  const { user, system } = process.cpuUsage();

  process.send({ cpuMicros: user + system });
});
process.on('disconnect', () => void app.close());

function descriptor(target, name) {
  return Object.getOwnPropertyDescriptor(target.prototype, name);
}
