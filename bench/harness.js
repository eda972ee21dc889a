/**
 * Measuring side of the benchmarks: alternating turns, medians, and the checks that prove each
 * measured function really did what its row claims. Timings never fail a run; a wrong harness does.
 */

/** Raised when a measured function did not run as its case expects: the numbers would be wrong. */
export class HarnessError extends Error {
  name = 'HarnessError';
}

/**
 * Throws a `HarnessError` with `message` unless `condition` holds.
 * @param {unknown} condition
 * @param {string} message
 */
export function check(condition, message) {
  if (!condition) throw new HarnessError(message);
}

/**
 * Returns the median of `values` (the mean of the two middle ones for an even count).
 * @param {number[]} values
 */
export function median(values) {
  check(values.length > 0, 'median of no values');

  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;

  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Returns the order of `items` for round `round`: rotated by one place each round, so that no
 * subject always runs first, right after a collection, or right after the same neighbour.
 * @template T
 * @param {T[]} items
 * @param {number} round
 */
export function turnOrder(items, round) {
  const shift = round % items.length;

  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Settings of a full run and of a smoke run. */
export const PROFILES = Object.freeze({
  full: Object.freeze({ smoke: false, warmupRounds: 3, rounds: 15, turnMs: 25, firstTurn: 2_000 }),
  smoke: Object.freeze({ smoke: true, warmupRounds: 1, rounds: 2, turnMs: 0, firstTurn: 50 }),
});

/**
 * One measured path. Build subjects with `sequential` or `sequentialFailures` where the turn is a
 * plain loop of awaited calls; write `run` out only for turns that time part of their work.
 *
 * @typedef {object} Subject
 * @property {string} name column the subject's median lands in
 * @property {(iterations: number) => Promise<number | void>} run makes `iterations` calls in
 *   sequence; returns the nanoseconds it timed itself when only part of its work is measured
 * @property {{ calls: number }} [counter] counts the calls the dependency received
 * @property {number} [callsPerIteration] how many calls `counter` must see per iteration (default 1)
 * @property {(iterations: number) => void} [verify] throws a `HarnessError` when the turn just
 *   run did not do what it should have
 */

/**
 * Measures `subjects` in alternating turns after a warm-up and returns each one's median cost per
 * call in nanoseconds. Each warm-up turn calibrates the iteration count so that a turn lasts
 * about `turnMs`; turns of a round run back to back, in an order that rotates. No collection is
 * forced between turns: a forced full collection shrinks the young generation, which would charge
 * the next turn for growing it back.
 *
 * @param {Subject[]} subjects
 * @param {typeof PROFILES.full} profile
 * @returns {Promise<Record<string, { nsPerCall: number, rounds: number[], iterations: number }>>}
 */
export async function measure(subjects, profile) {
  const iterations = new Map(subjects.map((subject) => [subject, profile.firstTurn]));
  const samples = new Map(subjects.map((subject) => [subject, []]));
  const totalRounds = profile.warmupRounds + profile.rounds;

  for (let round = 0; round < totalRounds; round++) {
    for (const subject of turnOrder(subjects, round)) {
      const count = iterations.get(subject);
      const nsPerCall = (await timeTurn(subject, count)) / count;

      check(
        Number.isFinite(nsPerCall) && nsPerCall > 0,
        `${subject.name}: measured ${nsPerCall} ns per call`,
      );

      if (round < profile.warmupRounds && !profile.smoke) {
        const calibrated = Math.round((profile.turnMs * 1e6) / nsPerCall);

        iterations.set(subject, Math.min(2_000_000, Math.max(100, calibrated)));
      }

      if (round >= profile.warmupRounds) samples.get(subject).push(nsPerCall);
    }
  }

  return Object.fromEntries(
    subjects.map((subject) => [
      subject.name,
      {
        nsPerCall: median(samples.get(subject)),
        rounds: samples.get(subject),
        iterations: iterations.get(subject),
      },
    ]),
  );
}

/**
 * Returns each subject's median nanoseconds per call from what `measure` returned.
 * @param {Record<string, { nsPerCall: number }>} results
 * @returns {Record<string, number>}
 */
export function medians(results) {
  return Object.fromEntries(
    Object.entries(results).map(([name, result]) => [name, result.nsPerCall]),
  );
}

/**
 * Runs one turn and returns the nanoseconds it took (or that the subject timed itself).
 * @param {Subject} subject
 * @param {number} iterations
 */
async function timeTurn(subject, iterations) {
  const callsBefore = subject.counter?.calls ?? 0;
  const start = process.hrtime.bigint();
  const timed = await subject.run(iterations);
  const elapsed = Number(process.hrtime.bigint() - start);

  if (subject.counter !== undefined) {
    const made = subject.counter.calls - callsBefore;
    const expected = iterations * (subject.callsPerIteration ?? 1);

    check(
      made === expected,
      `${subject.name}: the dependency ran ${made} times in a turn that should make ${expected} calls`,
    );
  }

  subject.verify?.(iterations);

  return typeof timed === 'number' ? timed : elapsed;
}

/**
 * Returns the median over rounds of `figure`, computed from the turns of one round at a time.
 * Turns of a round run back to back, so a ratio within a round cancels most of the drift a shared
 * machine adds between rounds.
 * @param {Record<string, { rounds: number[] }>} results
 * @param {(ns: Record<string, number>) => number} figure
 */
export function perRound(results, figure) {
  const names = Object.keys(results);
  const roundCount = results[names[0]].rounds.length;
  const figures = [];

  for (let round = 0; round < roundCount; round++) {
    figures.push(
      figure(Object.fromEntries(names.map((name) => [name, results[name].rounds[round]]))),
    );
  }

  return median(figures);
}

/**
 * Returns the cost `value` adds over `base`, as a share of what `reference` adds over `base`.
 * @param {number} value
 * @param {number} reference
 * @param {number} base
 */
export function overheadShare(value, reference, base) {
  return (value - base) / (reference - base);
}

/**
 * Returns a subject whose turn awaits `call()` `iterations` times in sequence.
 * @param {string} name
 * @param {{ calls: number } | undefined} counter
 * @param {() => unknown} call
 * @returns {Subject}
 */
export function sequential(name, counter, call) {
  return { name, counter, run: compileTurn('await call();', call, undefined) };
}

/**
 * Returns a subject whose turn awaits `call()` `iterations` times in sequence and catches each
 * rejection, handing it to `onError` when given: the path of a caller that handles failures.
 * @param {string} name
 * @param {{ calls: number } | undefined} counter
 * @param {() => unknown} call
 * @param {(error: unknown) => void} [onError]
 * @returns {Subject}
 */
export function sequentialFailures(name, counter, call, onError) {
  const handle = onError === undefined ? '' : 'onError(error);';

  return {
    name,
    counter,
    run: compileTurn(`try { await call(); } catch (error) { ${handle} }`, call, onError),
  };
}

let compiledTurns = 0;

/**
 * Compiles a new loop function that runs `step` once per iteration. V8 keeps type feedback per
 * function literal: one loop written once and shared by several subjects would see several
 * callees at its call site and charge each of them for the others (about 10% on the cheapest
 * paths). Compiling a loop per subject gives each its own literal, as if written out in place;
 * the unique name keeps V8's compilation cache from handing two subjects the same one.
 * @param {string} step
 * @param {() => unknown} call
 * @param {((error: unknown) => void) | undefined} onError
 * @returns {(iterations: number) => Promise<void>}
 */
function compileTurn(step, call, onError) {
  compiledTurns++;

  const source = `'use strict';
    return async function turn${compiledTurns}(iterations) {
      for (let i = 0; i < iterations; i++) { ${step} }
    };`;

  return new Function('call', 'onError', source)(call, onError);
}

/**
 * Packs the outcome of a case measured in nanoseconds per call: medians per subject, every sample,
 * the ratios the goal is judged on and whether it was met.
 * @param {Record<string, { nsPerCall: number, rounds: number[], iterations: number }>} results
 * @param {{ ratios: Record<string, number>, met: boolean, notes?: string }} judgement
 */
export function timingResult(results, { ratios, met, notes }) {
  return { unit: 'ns/call', values: medians(results), measured: results, ratios, met, notes };
}

/**
 * Returns a counter with a function that counts its calls and resolves at once: the dependency
 * every success case calls.
 */
export function resolvingDependency() {
  const counter = { calls: 0 };
  const dependency = async () => {
    counter.calls++;

    return counter.calls;
  };

  return { counter, dependency };
}

/**
 * Returns a counter with a function that counts its calls and rejects with one preallocated error,
 * so that building the error's stack trace does not swamp the cost being measured.
 * @param {Error} error
 */
export function rejectingDependency(error) {
  const counter = { calls: 0 };
  const dependency = async () => {
    counter.calls++;

    throw error;
  };

  return { counter, dependency };
}

/** Returns how many timers keep the process alive right now. */
export function countTimers() {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
