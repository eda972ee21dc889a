import {
  Breaker,
  type BreakerStats,
  type Permit,
  type StateChangeEvent,
} from '../../../lib/core/index.js';
import {
  BreakerModel,
  MODEL_BREAKER_NAME,
  type ModelAdmission,
  type ModelConfig,
  type ModelOutcome,
} from './breaker-model.js';
import {
  endPermit,
  expectEqual,
  expectPassedThrough,
  expectRejection,
  isLegalTransition,
  thrownFor,
} from './model-checks.js';
import type { ClockMove, Scenario, Step } from './model-steps.js';

/** One admitted call the scenario has not ended yet, with how to end it on the real breaker. */
interface Handle {
  id: number;
  /** The half-open period the call was admitted in as a probe, if it was one. */
  probeOf: number | undefined;
  end(outcome: ModelOutcome, classified: boolean): Promise<void>;
  /** Present for permits, which can be told an outcome again after the first. */
  permit?: Permit;
}

/**
 * Runs one scenario against a real breaker and the reference model side by side, checking after
 * every step the events, the invariants and, when the step observes, the stats.
 */
export class ModelHarness {
  private now = 0;
  private readonly breaker: Breaker;
  private readonly model: BreakerModel;
  private readonly events: string[] = [];
  /** Problems seen inside listeners, where a thrown assertion would only become a warning. */
  private readonly violations: string[] = [];
  private readonly outstanding: Handle[] = [];
  private readonly ended: Handle[] = [];
  private halfOpenPeriods = 0;
  private halfOpen = false;

  constructor(private readonly config: ModelConfig) {
    this.breaker = new Breaker({
      name: MODEL_BREAKER_NAME,
      clock: () => this.now,
      timeout: config.timeout,
      maxRequests: config.maxRequests,
      maxFailures: config.maxFailures,
      failureRateThreshold: config.failureRateThreshold,
      slowCallThreshold: config.slowCallThreshold,
      slowCallDuration: config.slowCallDuration,
      minimumCalls: config.minimumCalls,
      window: config.window,
      backoff: config.backoff,
      maxConcurrent: config.maxConcurrent,
    });
    this.model = new BreakerModel(config);
    this.breaker.on('state-change', (event) => this.onStateChange(event));

    for (const outcome of ['success', 'failure', 'ignored', 'rejected'] as const) {
      this.breaker.on(outcome, (event) => {
        if (event.breaker !== MODEL_BREAKER_NAME) {
          this.violations.push(`${outcome} names ${event.breaker}`);
        }

        this.events.push(outcome);
      });
    }
  }

  /** Runs every step of `scenario` with `Math.random` fixed to the scenario's value. */
  static async run({ config, steps }: Scenario): Promise<void> {
    const random = Math.random;

    Math.random = () => config.random;

    try {
      const harness = new ModelHarness(config);

      for (const [index, step] of steps.entries()) {
        await harness.runChecked(step, index);
      }
    } finally {
      Math.random = random;
    }
  }

  private async runChecked(step: Step, index: number): Promise<void> {
    try {
      await this.run(step);

      expectEqual(this.violations, []);
      expectEqual(this.events, this.model.events);
      this.expectProbesWithinLimit();
    } catch (error) {
      if (error instanceof Error) {
        error.message = `step ${index} ${JSON.stringify(step)} at t=${this.now}\n${error.message}`;
      }

      throw error;
    }
  }

  private async run(step: Step): Promise<void> {
    if (step.kind === 'read') {
      if (step.what === 'state') return expectEqual(this.breaker.state, this.model.state(this.now));

      if (step.what === 'snapshot') return this.compareSnapshot();

      return void this.compareStats();
    }

    const before = step.observe ? this.compareStats() : undefined;

    await this.apply(step, before);

    if (step.observe) this.compareStats();
  }

  private async apply(step: Exclude<Step, { kind: 'read' }>, before: BreakerStats | undefined) {
    switch (step.kind) {
      case 'acquire':
        return this.expectAdmission(before, () => this.acquire());
      case 'call':
        return this.expectAdmission(before, () => this.call(step.outcome));
      case 'call-later':
        return this.expectAdmission(before, () => this.callLater());
      case 'settle':
        return this.settle(step.pick, step.outcome, step.classified, before);
      case 'settle-again':
        return this.settleAgain(step.pick, step.outcome, before);
      case 'advance':
        this.now = this.moveClock(step.move);

        return;
      case 'force-open':
        this.breaker.forceOpen();

        return this.model.forceOpen(this.now);
      case 'disable':
        this.breaker.disable();

        return this.model.disable(this.now);
      case 'reset':
        this.breaker.reset();

        return this.model.reset(this.now);
    }
  }

  /** Starts a call; when it is rejected, checks that the rejection counted as nothing else. */
  private async expectAdmission(before: BreakerStats | undefined, start: () => Promise<boolean>) {
    const admitted = await start();

    if (admitted || before === undefined) return;

    const after = this.breaker.stats();

    expectEqual(
      { rejected: after.rejected, failures: after.failures, calls: after.calls },
      { rejected: before.rejected + 1, failures: before.failures, calls: before.calls },
    );
  }

  private async acquire(): Promise<boolean> {
    const admission = this.model.admit(this.now);
    let permit: Permit;

    try {
      permit = this.breaker.acquire();
    } catch (thrown) {
      expectRejection(thrown, admission);

      return false;
    }

    expectEqual(admission.admitted, true);
    this.track(admission, {
      permit,
      end: async (outcome, classified) => endPermit(permit, outcome, classified),
    });

    return true;
  }

  private async call(outcome: ModelOutcome): Promise<boolean> {
    const admission = this.model.admit(this.now);
    const error = outcome === 'success' ? undefined : thrownFor(outcome);
    let ran = false;
    const promise = this.breaker.call(() => {
      ran = true;

      if (error !== undefined) throw error;

      return 'value';
    });

    if (!ran) {
      expectRejection(await promise.catch((thrown: unknown) => thrown), admission);

      return false;
    }

    expectEqual(admission.admitted, true);

    if (admission.admitted) this.model.settle(admission.id, outcome, this.now);

    await expectPassedThrough(promise, 'value', error);

    return true;
  }

  private async callLater(): Promise<boolean> {
    const admission = this.model.admit(this.now);
    let finish: ((outcome: ModelOutcome) => Error | undefined) | undefined;
    const promise = this.breaker.call(
      () =>
        new Promise<string>((resolve, reject) => {
          finish = (outcome) => {
            const error = outcome === 'success' ? undefined : thrownFor(outcome);

            if (error === undefined) resolve('value');
            else reject(error);

            return error;
          };
        }),
    );

    if (finish === undefined) {
      expectRejection(await promise.catch((thrown: unknown) => thrown), admission);

      return false;
    }

    const end = finish;

    expectEqual(admission.admitted, true);
    this.track(admission, {
      end: (outcome) => expectPassedThrough(promise, 'value', end(outcome)),
    });

    return true;
  }

  private track(admission: ModelAdmission, handle: Omit<Handle, 'id' | 'probeOf'>): void {
    if (!admission.admitted) return;

    const probeOf = this.halfOpen ? this.halfOpenPeriods : undefined;

    this.outstanding.push({ ...handle, id: admission.id, probeOf });
  }

  /** Ends one outstanding call; a result from an earlier generation must change no count. */
  private async settle(
    pick: number,
    outcome: ModelOutcome,
    classified: boolean,
    before: BreakerStats | undefined,
  ): Promise<void> {
    if (this.outstanding.length === 0) return;

    const [handle] = this.outstanding.splice(pick % this.outstanding.length, 1);
    const stale = this.model.isStale(handle.id);

    this.model.settle(handle.id, outcome, this.now);
    await handle.end(outcome, classified);
    this.ended.push(handle);

    if (before === undefined || !stale) return;

    expectEqual(this.breaker.stats(), { ...before, inFlight: before.inFlight - 1 });
  }

  /** Tells an ended permit an outcome again, which must change nothing. */
  private async settleAgain(pick: number, outcome: ModelOutcome, before: BreakerStats | undefined) {
    const permits = this.ended.filter((handle) => handle.permit !== undefined);

    if (permits.length === 0) return;

    endPermit(permits[pick % permits.length].permit as Permit, outcome, false);

    if (before !== undefined) expectEqual(this.breaker.stats(), before);
  }

  private moveClock(move: ClockMove): number {
    if (move.to === 'later') return this.now + move.ms;

    const ahead = this.model.boundaries(this.now);

    if (ahead.length === 0) return this.now;

    return Math.max(this.now, ahead[move.pick % ahead.length] + move.offset);
  }

  private compareStats(): BreakerStats {
    const stats = this.breaker.stats();

    expectEqual(stats, this.model.stats(this.now));

    return stats;
  }

  private compareSnapshot(): void {
    const { state, since, openUntil, reopenCount, consecutiveFailures, rejected } =
      this.breaker.toJSON();
    const actual = { state, since, openUntil, reopenCount, consecutiveFailures, rejected };

    expectEqual(actual, this.model.snapshot(this.now));
  }

  private onStateChange(event: StateChangeEvent): void {
    const written = `${event.from}>${event.to}:${event.reason}`;

    if (!isLegalTransition(event)) this.violations.push(`illegal transition ${written}`);

    if (event.breaker !== MODEL_BREAKER_NAME || event.stats.state !== event.to) {
      this.violations.push(`state-change ${written} names ${event.breaker}, ${event.stats.state}`);
    }

    this.halfOpen = event.to === 'half-open';

    if (this.halfOpen) this.halfOpenPeriods++;

    this.events.push(written);
  }

  /** Counts the probes of the current half-open period still in flight. */
  private expectProbesWithinLimit(): void {
    if (!this.halfOpen) return;

    const inFlight = this.outstanding.filter((handle) => handle.probeOf === this.halfOpenPeriods);

    if (inFlight.length > this.config.maxRequests) {
      expect(inFlight.length).toBeLessThanOrEqual(this.config.maxRequests);
    }
  }
}
