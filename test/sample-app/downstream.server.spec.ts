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

  async function postRecord(body: string, signal?: AbortSignal): Promise<Response> {
    return fetch(`${url}/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal,
    });
  }

  it('stores posted records and counts how often each one was stored', async () => {
    const first = await postRecord('{"id":7}');
    await (await postRecord('{"id":8}')).body?.cancel();
    const again = await postRecord('{"id":7}');

    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ id: 7, times: 1 });
    expect(await again.json()).toEqual({ id: 7, times: 2 });
    expect([...downstream.storedRecords]).toEqual([
      [7, 2],
      [8, 1],
    ]);
  });

  it('answers 400 and stores nothing for a record without an integer id', async () => {
    for (const body of ['not json', '{"id":"7"}', '{"id":1.5}', 'null']) {
      const response = await postRecord(body);

      expect(response.status).toBe(400);
      await response.body?.cancel();
    }

    expect(downstream.storedRecords.size).toBe(0);
  });

  it('stores no record while failing', async () => {
    downstream.setMode('failing');

    const response = await postRecord('{"id":1}');

    expect(response.status).toBe(500);
    await response.body?.cancel();
    expect(downstream.storedRecords.size).toBe(0);
  });

  it('stores a held record when it recovers', async () => {
    downstream.setMode('hanging');

    const pending = postRecord('{"id":3}');
    await untilHanging(1);
    expect(downstream.storedRecords.size).toBe(0);
    downstream.setMode('healthy');

    expect((await pending).status).toBe(201);
    expect([...downstream.storedRecords]).toEqual([[3, 1]]);
  });

  it('forgets a held record whose client gave up, so it is never stored', async () => {
    const client = new AbortController();
    downstream.setMode('hanging');

    const pending = postRecord('{"id":4}', client.signal);
    await untilHanging(1);
    client.abort();
    await expect(pending).rejects.toThrow();

    while (downstream.hanging > 0) {
      await nextTurn();
    }

    downstream.setMode('healthy');
    expect(downstream.storedRecords.size).toBe(0);
  });

  it('counts every request it receives', async () => {
    await (await fetch(`${url}/quote`)).body?.cancel();
    downstream.setMode('failing');
    await (await fetch(`${url}/quote`)).body?.cancel();

    expect(downstream.requests).toBe(2);
  });
});
