/**
 * Runs the benchmarks: `node bench/run.js` (full run, table on stdout, results in
 * bench/results.json) or `node bench/run.js --smoke` (every case with tiny counts, checking the
 * harness only; or with BENCH_SMOKE=1). `--only <id>[,<id>]` runs some cases. Exits non-zero on
 * a harness error, never on timings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

const distEntry = new URL('../dist/index.js', import.meta.url);

if (globalThis.gc === undefined) {
  // The memory case needs `gc`: rerun with it exposed.
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );

  process.exit(child.status ?? 1);
}

if (!existsSync(distEntry)) {
  console.error('bench: dist/index.js is missing; run `npm run build` first.');
  process.exit(1);
}

const { PROFILES } = await import('./harness.js');
const { formatTable, machine, writeResults } = await import('./report.js');
const { CASES } = await import('./cases/index.js');

const args = process.argv.slice(2);
const smoke = args.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const onlyAt = args.indexOf('--only');
const only = onlyAt === -1 ? undefined : args[onlyAt + 1]?.split(',');
const profile = smoke ? PROFILES.smoke : PROFILES.full;
const selected = CASES.filter((each) => only === undefined || only.includes(each.id));
const results = [];
const errors = [];
const startedAt = Date.now();
const loadBefore = machine().loadAverage;

if (selected.length === 0) {
  console.error(
    `bench: no case matches --only ${only}; cases: ${CASES.map((c) => c.id).join(', ')}`,
  );
  process.exit(1);
}

for (const benchCase of selected) {
  const caseStart = Date.now();

  try {
    const result = await benchCase.run(profile);

    results.push({ id: benchCase.id, title: benchCase.title, goal: benchCase.goal, ...result });
    console.error(`bench: ${benchCase.id} done in ${Date.now() - caseStart} ms`);
  } catch (error) {
    errors.push({ id: benchCase.id, error: error instanceof Error ? error.stack : String(error) });
    console.error(`bench: ${benchCase.id} FAILED\n${error instanceof Error ? error.stack : error}`);
  }
}

const { cpus, cpuModel, node, loadAverage } = machine();
const seconds = Math.round((Date.now() - startedAt) / 1000);

console.log(
  `\n${smoke ? 'Smoke run (timings meaningless)' : 'Benchmark'}: ${cpus} x ${cpuModel}, ` +
    `Node ${node}, ${seconds} s, load average ${loadBefore} before and ${loadAverage} after\n`,
);
console.log(formatTable(results));

if (!smoke) {
  writeResults(new URL('./results.json', import.meta.url), {
    profile,
    loadBefore,
    results,
    errors,
  });
}

if (errors.length > 0) {
  console.error(`\nbench: ${errors.length} case(s) failed: ${errors.map((e) => e.id).join(', ')}`);
  process.exit(1);
}
