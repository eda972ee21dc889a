/**
 * Runs a `RecordPipeline` over a simulated two-second outage of its sink and prints what the
 * breaker did and where the records went:
 * `node --import ./sample-app/register.js examples/pipeline/run-pipeline.ts`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Breaker } from '../../lib/core/index.js';
import { RecordPipeline } from './record-pipeline.js';

const RECORDS = 500;
const ARRIVAL_EVERY_MS = 8;
const OUTAGE = { fromMs: 1_000, untilMs: 3_000 };

const start = Date.now();
const elapsed = () => Date.now() - start;

async function* orders(): AsyncGenerator<{ id: number }> {
  for (let id = 0; id < RECORDS; id++) {
    await sleep(ARRIVAL_EVERY_MS);

    yield { id };
  }
}

const stored = new Map<number, number>();
const warehouse = new Breaker({ name: 'warehouse', maxFailures: 3, timeout: 500 });

warehouse.on('state-change', ({ from, to, reason }) => {
  console.log(`${String(elapsed()).padStart(5)} ms  ${from} -> ${to} (${reason})`);
});

const pipeline = new RecordPipeline<{ id: number }>({
  breaker: warehouse,
  workers: 4,
  sink: async ({ id }) => {
    await sleep(5);

    if (elapsed() >= OUTAGE.fromMs && elapsed() < OUTAGE.untilMs) {
      throw new Error('warehouse unavailable');
    }

    stored.set(id, (stored.get(id) ?? 0) + 1);
  },
});

const report = await pipeline.run(orders());
const duplicates = [...stored.values()].filter((count) => count > 1).length;

console.log(
  `${String(elapsed()).padStart(5)} ms  done: ${report.delivered} stored, ` +
    `${report.deferred} deferrals to the fallback queue, ` +
    `${RECORDS - stored.size} lost, ${duplicates} stored twice`,
);
