import { fork } from 'node:child_process';
import { get } from 'node:http';
import { once } from 'node:events';
import { URL } from 'node:url';

import autocannon from 'autocannon';

import { check, median, turnOrder } from '../harness.js';

const ROUTES = { bare: '/plain', floor: '/pass-through', ours: '/guarded', filter: '/filtered' };
const CONNECTIONS = 10;
const TURN_SECONDS = 0.5;
const FULL_ROUNDS = { warmupRounds: 2, rounds: 11 };
const SMOKE_ROUNDS = { warmupRounds: 0, rounds: 1 };
const SMOKE_REQUESTS = 50;

/**
 * Throughput of an HTTP route behind `CircuitBreakerInterceptor` against the same handler without
 * it and behind a pass-through interceptor, on Express over loopback, with the same route behind
 * `CircuitBreakerExceptionFilter` beside them. The server runs in its own process; autocannon
 * drives the routes in alternating turns of fixed duration.
 */
export default {
  id: 'http-interceptor',
  title: 'HTTP route with CircuitBreakerInterceptor (Express)',
  goal: 'ours >= 97% of the throughput without it',

  /** @param {import('../harness.js').PROFILES['full']} profile */
  async run(profile) {
    const server = fork(new URL('../http-server.js', import.meta.url), { stdio: 'inherit' });

    try {
      const port = await listeningPort(server);
      const base = `http://127.0.0.1:${port}`;
      for (const [name, answeredBy] of [
        ['ours', 'interceptor'],
        ['filter', 'filter'],
      ]) {
        const rejected = await fetchOnce(`${base}${ROUTES[name]}/open`);

        check(
          rejected.status === 503 && rejected.retryAfter === '5',
          `the ${answeredBy} did not answer a rejected call with 503 and Retry-After: 5 (got ${rejected.status}, ${rejected.retryAfter})`,
        );
      }

      const names = Object.keys(ROUTES);
      const samples = Object.fromEntries(names.map((name) => [name, []]));
      const { warmupRounds, rounds } = profile.smoke ? SMOKE_ROUNDS : FULL_ROUNDS;

      const cpuSamples = Object.fromEntries(names.map((name) => [name, []]));

      for (let round = 0; round < warmupRounds + rounds; round++) {
        for (const name of turnOrder(names, round)) {
          const cpuBefore = await serverCpu(server);
          const { requestsPerSecond, requests } = await load(`${base}${ROUTES[name]}`, profile);
          const cpuPerRequest = ((await serverCpu(server)) - cpuBefore) / requests;

          if (round >= warmupRounds) {
            samples[name].push(requestsPerSecond);
            cpuSamples[name].push(cpuPerRequest);
          }
        }
      }

      const perRoute = (values, a, b) => median(values[a].map((x, round) => x / values[b][round]));
      const ratio = perRoute(samples, 'ours', 'bare');
      const cpuRatio = perRoute(cpuSamples, 'ours', 'bare');
      const versusFloor = perRoute(samples, 'ours', 'floor');
      const filterRatio = perRoute(samples, 'filter', 'bare');

      return {
        unit: 'req/s',
        values: Object.fromEntries(names.map((name) => [name, median(samples[name])])),
        measured: { requestsPerSecond: samples, serverCpuMicrosPerRequest: cpuSamples },
        ratios: {
          'with/without': ratio,
          'with/pass-through': versusFloor,
          'filter/without': filterRatio,
          'server CPU per request with/without': cpuRatio,
        },
        met: ratio >= 0.97,
        notes: `floor: a pass-through interceptor; filter: the route behind CircuitBreakerExceptionFilter, ${Math.round(median(samples.filter))} req/s; ${profile.smoke ? `${SMOKE_REQUESTS} requests` : `${TURN_SECONDS} s turns`} per route, ${CONNECTIONS} connections`,
      };
    } finally {
      if (server.connected) server.disconnect();

      server.kill();
    }
  },
};

/**
 * Asks the server process for the CPU time it has used, in microseconds.
 * @param {import('node:child_process').ChildProcess} server
 */
async function serverCpu(server) {
  const answer = once(server, 'message');

  server.send('cpu');

  const [{ cpuMicros }] = await answer;

  return cpuMicros;
}

/**
 * Loads `url` for one turn, checking every answer was a 200, and returns the requests per second
 * and the number of requests sent.
 * @param {string} url
 * @param {import('../harness.js').PROFILES['full']} profile
 */
async function load(url, profile) {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    ...(profile.smoke ? { amount: SMOKE_REQUESTS } : { duration: TURN_SECONDS }),
  });

  check(
    result.errors === 0 && result.timeouts === 0,
    `${url}: ${result.errors} errors, ${result.timeouts} timeouts`,
  );
  check(result.non2xx === 0 && result['2xx'] > 0, `${url}: ${result.non2xx} answers were not 2xx`);

  if (profile.smoke) {
    check(
      result['2xx'] === SMOKE_REQUESTS,
      `${url}: ${result['2xx']} of ${SMOKE_REQUESTS} answered`,
    );
  }

  return {
    requestsPerSecond: result['2xx'] / ((result.finish - result.start) / 1000),
    requests: result.requests.total,
  };
}

/**
 * Waits for the server process to report its port; rejects when it exits first.
 * @param {import('node:child_process').ChildProcess} server
 */
async function listeningPort(server) {
  const exited = once(server, 'exit').then(([code]) => {
    throw new Error(`the HTTP server exited with code ${code} before listening`);
  });

  // The race reports an early exit; the kill at the end of the case must not count as one.
  exited.catch(() => {});

  const [message] = await Promise.race([once(server, 'message'), exited]);

  return message.port;
}

/**
 * Sends one GET and returns its status and `Retry-After` header.
 * @param {string} url
 */
function fetchOnce(url) {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode, retryAfter: response.headers['retry-after'] }),
      );
    }).on('error', reject);
  });
}
