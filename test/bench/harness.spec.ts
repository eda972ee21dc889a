import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `body` as an ES module in a fresh node process, with the harness imported as `h`. */
function runWithHarness(body: string) {
  const script = `import * as h from './bench/harness.js';\n${body}`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });

  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('benchmark harness', () => {
  it('fails a turn whose dependency ran fewer times than the turn has iterations', () => {
    const result = runWithHarness(`
      const counter = { calls: 0 };
      await h.measure(
        [{ name: 'lazy', counter, run: async (n) => { for (let i = 1; i < n; i++) counter.calls++; } }],
        h.PROFILES.smoke,
      );
    `);

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('HarnessError: lazy: the dependency ran 49 times');
  });

  it('fails a turn whose own verification fails', () => {
    const result = runWithHarness(`
      await h.measure(
        [{ name: 'closed', run: async () => {}, verify: () => h.check(false, 'circuit not open') }],
        h.PROFILES.smoke,
      );
    `);

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('HarnessError: circuit not open');
  });

  it('returns a median per subject over the measured rounds, after the warm-up', () => {
    const result = runWithHarness(`
      const counter = { calls: 0 };
      const turns = { a: 0, b: 0 };
      const subject = (name) => ({
        name,
        counter,
        run: async (n) => {
          turns[name]++;
          for (let i = 0; i < n; i++) counter.calls++;
        },
      });
      const results = await h.measure([subject('a'), subject('b')], h.PROFILES.smoke);
      process.stdout.write(JSON.stringify({ turns, rounds: results.a.rounds.length, keys: Object.keys(results) }));
    `);

    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      turns: { a: 3, b: 3 },
      rounds: 2,
      keys: ['a', 'b'],
    });
  });

  it('builds subjects that await each call in sequence, each with a loop of its own', () => {
    const result = runWithHarness(`
      const counter = { calls: 0 };
      let inFlight = 0;
      let mostInFlight = 0;
      const call = async () => {
        counter.calls++;
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await null;
        inFlight--;
      };
      const a = h.sequential('a', counter, call);
      const b = h.sequential('b', counter, call);
      await a.run(7);
      process.stdout.write(JSON.stringify({ calls: counter.calls, mostInFlight, ownLoops: a.run !== b.run && a.run.name !== b.run.name }));
    `);

    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ calls: 7, mostInFlight: 1, ownLoops: true });
  });

  it('builds subjects that catch every rejection and hand it to their handler', () => {
    const result = runWithHarness(`
      const counter = { calls: 0 };
      const seen = [];
      const failing = h.sequentialFailures('failing', counter, async () => {
        counter.calls++;
        throw new Error('down ' + counter.calls);
      }, (error) => seen.push(error.message));
      await failing.run(2);
      await h.sequentialFailures('silent', counter, () => Promise.reject(new Error('x'))).run(3);
      process.stdout.write(JSON.stringify({ calls: counter.calls, seen }));
    `);

    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ calls: 2, seen: ['down 1', 'down 2'] });
  });

  it('packs a timing result with medians per subject and every sample', () => {
    const result = runWithHarness(`
      const results = { a: { nsPerCall: 2, rounds: [1, 2, 3], iterations: 9 } };
      process.stdout.write(JSON.stringify(h.timingResult(results, { ratios: { r: 1 }, met: true, notes: 'n' })));
    `);

    expect(JSON.parse(result.stdout)).toEqual({
      unit: 'ns/call',
      values: { a: 2 },
      measured: { a: { nsPerCall: 2, rounds: [1, 2, 3], iterations: 9 } },
      ratios: { r: 1 },
      met: true,
      notes: 'n',
    });
  });

  it('computes medians, turn orders and per-round figures', () => {
    const result = runWithHarness(`
      const results = { x: { rounds: [100, 300, 200] }, y: { rounds: [50, 100, 400] } };
      process.stdout.write(JSON.stringify([
        h.median([3, 1, 2]),
        h.median([4, 1, 3, 2]),
        h.turnOrder(['a', 'b', 'c'], 1),
        h.perRound(results, (ns) => ns.x / ns.y),
        h.overheadShare(150, 300, 100),
      ]));
    `);

    expect(JSON.parse(result.stdout)).toEqual([2, 2.5, ['b', 'c', 'a'], 2, 0.25]);
  });
});
