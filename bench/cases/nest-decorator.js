import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { CircuitBreaker, CircuitBreakerModule, CircuitBreakerRegistry } from '../../dist/index.js';
import { check, measure, perRound, sequential, timingResult } from '../harness.js';

/**
 * A service method behind `@CircuitBreaker()`, resolved from a Nest application context and
 * called the way any injected service is, against the same method without the decorator.
 */
export default {
  id: 'nest-decorator',
  title: '@CircuitBreaker() method through Nest DI',
  goal: 'ours <= 1.7 x undecorated',

  /** @param {import('../harness.js').PROFILES['full']} profile */
  async run(profile) {
    const counter = { calls: 0 };
    const guardedCounter = { calls: 0 };

    class PlainQuotes {
      async quote() {
        counter.calls++;

        return counter.calls;
      }
    }

    class GuardedQuotes {
      async quote() {
        guardedCounter.calls++;

        return guardedCounter.calls;
      }
    }

    // What TypeScript emits for `@Injectable()` classes and a decorated `async quote(): Promise<number>`.
    Reflect.decorate([Injectable()], PlainQuotes);
    Reflect.decorate([Injectable()], GuardedQuotes);
    Reflect.decorate(
      [
        CircuitBreaker('quotes'),
        Reflect.metadata('design:type', Function),
        Reflect.metadata('design:paramtypes', []),
        Reflect.metadata('design:returntype', Promise),
      ],
      GuardedQuotes.prototype,
      'quote',
      Object.getOwnPropertyDescriptor(GuardedQuotes.prototype, 'quote'),
    );

    class BenchModule {}

    Reflect.decorate(
      [
        Module({
          imports: [CircuitBreakerModule.forRoot({ logging: false })],
          providers: [PlainQuotes, GuardedQuotes],
        }),
      ],
      BenchModule,
    );

    const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });

    try {
      const plain = app.get(PlainQuotes);
      const guarded = app.get(GuardedQuotes);
      const breaker = app.get(CircuitBreakerRegistry).get('quotes');
      const onValue = (value) => value;
      const onError = (error) => {
        throw error;
      };

      const results = await measure(
        [
          sequential('bare', counter, () => plain.quote()),
          sequential('floor', counter, () => plain.quote().then(onValue, onError)),
          sequential('ours', guardedCounter, () => guarded.quote()),
        ],
        profile,
      );
      const recorded = breaker.stats().successes;

      check(
        recorded === guardedCounter.calls,
        `the breaker recorded ${recorded} of ${guardedCounter.calls} decorated calls`,
      );

      const ratio = perRound(results, (ns) => ns.ours / ns.bare);
      const floorRatio = perRound(results, (ns) => ns.floor / ns.bare);

      return timingResult(results, {
        ratios: { 'decorated/undecorated': ratio, 'floor/undecorated': floorRatio },
        met: ratio <= 1.7,
        notes: 'bare: the undecorated method from the same context; floor: bare + one .then',
      });
    } finally {
      await app.close();
    }
  },
};
