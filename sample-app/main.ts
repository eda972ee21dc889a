import 'reflect-metadata';

import { runDemo } from './demo/run-demo.js';

/** The demo ends well within this; past it, something hangs and the process fails. */
const WATCHDOG_MS = 30_000;

const watchdog = setTimeout(() => {
  process.stderr.write(`demo: still running after ${WATCHDOG_MS} ms, giving up\n`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

try {
  await runDemo((line) => process.stdout.write(`${line}\n`));
} catch (error) {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
}
