import { setImmediate as nextTurn } from 'node:timers/promises';

import { DownstreamServer } from '../../sample-app/downstream/downstream.server.js';

describe('DownstreamServer', () => {
  let downstream: DownstreamServer;
  let url: string;

  beforeEach(async () => {
    downstream = new DownstreamServer();
    url = await downstream.start();
  });

  afterEach(() => downstream.close());

  async function untilHanging(count: number): Promise<void> {
    while (downstream.hanging < count) {
      await nextTurn();
    }
  }

  it('listens on an ephemeral loopback port', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves quotes and stock levels while healthy', async () => {
    const quote = await fetch(`${url}/quote`);
    const stock = await fetch(`${url}/stock`);

    expect(quote.status).toBe(200);
    expect(await quote.json()).toMatchObject({ symbol: 'ACME', price: expect.any(Number) });
    expect(stock.status).toBe(200);
    expect(await stock.json()).toEqual({ sku: 'widget', available: 42 });
    expect(downstream.mode).toBe('healthy');
  });

  it('answers 404 for an unknown path', async () => {
    const response = await fetch(`${url}/nothing`);

    expect(response.status).toBe(404);
    await response.body?.cancel();
  });

  it('answers 500 while failing', async () => {
    downstream.setMode('failing');

    const response = await fetch(`${url}/quote`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'downstream failure' });
  });

  it('holds requests while hanging and answers them when it recovers', async () => {
    downstream.setMode('hanging');

    const pending = fetch(`${url}/stock`);
    await untilHanging(1);

    expect(downstream.requests).toBe(1);
    downstream.setMode('healthy');

    const response = await pending;
    expect(response.status).toBe(200);
    expect(downstream.hanging).toBe(0);
    await response.body?.cancel();
  });

  it('answers held requests in the mode it leaves hanging for', async () => {
    downstream.setMode('hanging');

    const pending = fetch(`${url}/quote`);
    await untilHanging(1);
    downstream.setMode('failing');

    const response = await pending;
    expect(response.status).toBe(500);
    await response.body?.cancel();
  });

  it('drops held requests when it closes', async () => {
    downstream.setMode('hanging');

    const pending = fetch(`${url}/quote`);
    await untilHanging(1);
    await downstream.close();

    await expect(pending).rejects.toThrow();
  });

  it('counts every request it receives', async () => {
    await (await fetch(`${url}/quote`)).body?.cancel();
    downstream.setMode('failing');
    await (await fetch(`${url}/quote`)).body?.cancel();

    expect(downstream.requests).toBe(2);
  });
});
