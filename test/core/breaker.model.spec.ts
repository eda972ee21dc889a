import fc from 'fast-check';

import { Breaker } from '../../lib/core/index.js';
import type { ModelConfig } from './model/breaker-model.js';
import { ModelHarness } from './model/model-harness.js';
import {
  consecutiveConfig,
  countWindowConfig,
  slowCallConfig,
  steps,
  timeWindowConfig,
} from './model/model-steps.js';

/**
 * Runs per property, each of up to 60 steps. `BREAKER_MODEL_RUNS` changes it for a longer search;
 * a failure prints the seed and path that replay it.
 */
const RUNS = Number(process.env.BREAKER_MODEL_RUNS ?? 2_000);
const TIMEOUT_MS = Math.max(120_000, RUNS * 20);

async function expectModelAgreement(config: fc.Arbitrary<ModelConfig>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.record({ config, steps }), (scenario) => ModelHarness.run(scenario)),
    { numRuns: RUNS },
  );
}

const RULES: Array<[string, fc.Arbitrary<ModelConfig>]> = [
  ['the consecutive rule, with late results, backoff and manual control', consecutiveConfig],
  ['a failure-rate rule over a count window', countWindowConfig],
  ['a failure-rate rule over a time window', timeWindowConfig],
  ['a slow-call-rate rule, with probes that fail by being slow', slowCallConfig],
];

describe('Breaker against its reference model', () => {
  it.each(RULES)('agrees under %s', (_rule, config) => expectModelAgreement(config), TIMEOUT_MS);
});

describe('Breaker when time has passed unobserved', () => {
  let now: number;
  let breaker: Breaker;

  beforeEach(() => {
    now = 0;
    breaker = new Breaker({ maxFailures: 1, timeout: 10, clock: () => now });
    breaker.acquire().failure(new Error('down'));
  });

  it('drops a probe success that arrives after the half-open period expired', () => {
    now = 10;

    const probe = breaker.acquire();

    now = 25;
    probe.success();

    expect(breaker.stats()).toMatchObject({ state: 'open', openedAt: 20, retryAfter: 5 });
  });

  it('re-opens at the half-open deadline when a late probe fails after it', () => {
    const reasons: string[] = [];

    breaker.on('state-change', ({ reason }) => reasons.push(reason));
    now = 10;

    const probe = breaker.acquire();

    now = 25;
    probe.failure(new Error('down'));

    expect(breaker.stats()).toMatchObject({ state: 'open', openedAt: 20, retryAfter: 5 });
    expect(reasons).toEqual(['open-elapsed', 'half-open-expired']);
  });

  it('reports the half-open period a manual transition ends, when the open period ran out', () => {
    const changes: string[] = [];

    breaker.on('state-change', ({ from, to }) => changes.push(`${from}>${to}`));
    now = 10;
    breaker.forceOpen();

    expect(changes).toEqual(['open>half-open', 'half-open>forced-open']);
  });
});

describe('Breaker counting slow calls', () => {
  let now: number;

  beforeEach(() => {
    now = 0;
  });

  it('leaves a slow call that ends ignored out of the slow calls', () => {
    const breaker = new Breaker({ slowCallDuration: 5, clock: () => now });
    const success = breaker.acquire();
    const ignored = breaker.acquire();

    now = 10;
    success.success();
    ignored.ignore();

    expect(breaker.stats()).toMatchObject({ ignored: 1, slowCalls: 1, slowCallRate: 1 });
  });

  it('never opens on an ignored call, however slow', () => {
    const breaker = new Breaker({
      slowCallThreshold: 0.5,
      slowCallDuration: 5,
      minimumCalls: 2,
      window: { kind: 'count', size: 2 },
      clock: () => now,
    });
    const slowFailure = breaker.acquire();
    const ignored = breaker.acquire();

    now = 10;
    slowFailure.failure(new Error('down'));
    breaker.acquire().success();
    ignored.ignore();

    expect(breaker.state).toBe('closed');
  });
});
