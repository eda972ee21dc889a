import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { TrafficDriver } from '../../sample-app/demo/traffic.driver.js';

describe('TrafficDriver', () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/cached') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ source: 'cache' }));

        return;
      }

      response.writeHead(503, { 'retry-after': '2' });
      response.end('unavailable');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('requests the routes in turn and records status, fallback and Retry-After', async () => {
    const driver = new TrafficDriver({ baseUrl, routes: ['/cached', '/closed'], intervalMs: 0 });

    const records = await driver.run(3);

    expect(records).toEqual([
      {
        route: '/cached',
        status: 200,
        latencyMs: expect.any(Number),
        fallback: true,
        retryAfter: undefined,
      },
      {
        route: '/closed',
        status: 503,
        latencyMs: expect.any(Number),
        fallback: false,
        retryAfter: '2',
      },
      {
        route: '/cached',
        status: 200,
        latencyMs: expect.any(Number),
        fallback: true,
        retryAfter: undefined,
      },
    ]);
  });

  it('continues the route cycle across runs', async () => {
    const driver = new TrafficDriver({ baseUrl, routes: ['/cached', '/closed'], intervalMs: 0 });

    await driver.run(1);
    const [record] = await driver.run(1);

    expect(record.route).toBe('/closed');
  });

  it('refuses an empty route list and a negative interval', () => {
    expect(() => new TrafficDriver({ baseUrl, routes: [], intervalMs: 0 })).toThrow(/"routes"/);
    expect(() => new TrafficDriver({ baseUrl, routes: ['/'], intervalMs: -1 })).toThrow(
      /"intervalMs": received -1/,
    );
  });
});
