/**
 * Presentation of the results: the console table and the JSON file.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

const COLUMNS = ['bare', 'floor', 'ours', 'cockatiel', 'opossum'];

/**
 * @typedef {object} CaseResult
 * @property {string} id
 * @property {string} title
 * @property {string} goal
 * @property {string} unit what the values measure, such as `ns/call` or `bytes/breaker`
 * @property {Record<string, number>} values median per subject
 * @property {Record<string, number>} ratios the figures the goal is judged on
 * @property {boolean} met
 * @property {string} [notes]
 * @property {unknown} [measured] the samples behind the medians, per subject and round
 */

/**
 * Renders the results as a Markdown table: one row per case, values per subject, the ratios,
 * the goal and whether it was met.
 * @param {CaseResult[]} results
 */
export function formatTable(results) {
  const header = ['case', 'unit', ...COLUMNS, 'ratios', 'goal', 'met', 'notes'];
  const rows = results.map((result) => [
    result.title,
    result.unit,
    ...COLUMNS.map((column) => formatValue(result.values[column])),
    Object.entries(result.ratios)
      .map(([name, ratio]) => `${name} ${ratio.toFixed(2)}`)
      .join('; '),
    result.goal,
    result.met ? 'yes' : 'no',
    result.notes ?? '',
  ]);

  return [header, header.map(() => '---'), ...rows]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
}

/** @param {number | undefined} value */
function formatValue(value) {
  if (value === undefined) return '–';

  return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}

/**
 * Describes the machine the run happened on, with its load average over the last minute: well
 * above one, other processes took turns from the benchmark and every figure is noisy.
 */
export function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: Number(loadavg()[0].toFixed(2)),
  };
}

/**
 * Writes the results, the machine and the settings to `path` as JSON.
 * @param {string | URL} path
 * @param {{ profile: object, results: CaseResult[], errors: object[] }} run
 */
export function writeResults(path, run) {
  const document = { date: new Date().toISOString(), machine: machine(), ...run };

  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
}
