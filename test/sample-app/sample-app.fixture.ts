import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { AppModule, DOWNSTREAM_BREAKER } from '../../sample-app/app.module.js';
import type { SampleAppOptions } from '../../sample-app/app.module.js';
import { DownstreamServer } from '../../sample-app/downstream/downstream.server.js';

/** The sample application listening on loopback, with its downstream. */
export interface RunningSampleApp {
  app: INestApplication;
  downstream: DownstreamServer;
  /** Base URL of the application, such as `http://127.0.0.1:41234`. */
  baseUrl: string;
  /** Sends `GET path` to the application and reads the whole response. */
  request(path: string): Promise<SampleAppResponse>;
  /** Stops the application, then the downstream. */
  close(): Promise<void>;
}

/** A response of the sample application, read to the end. */
export interface SampleAppResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Starts a downstream and the sample application in front of it, both on ephemeral loopback
 * ports, with Nest's logging off.
 */
export async function startSampleApp(options: SampleAppOptions = {}): Promise<RunningSampleApp> {
  const downstream = new DownstreamServer();
  const downstreamUrl = await downstream.start();
  let app: INestApplication | undefined;

  try {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forDownstream(downstreamUrl, options)],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app?.close();
    await downstream.close();

    throw error;
  }

  const baseUrl = await app.getUrl();

  return {
    app,
    downstream,
    baseUrl,
    request: async (path) => {
      const response = await fetch(`${baseUrl}${path}`);

      return { status: response.status, headers: response.headers, text: await response.text() };
    },
    close: async () => {
      await app.close();
      await downstream.close();
    },
  };
}

/** Opens the `downstream` breaker with as many failing `GET /stock` requests as it takes. */
export async function openTheCircuit({ downstream, request }: RunningSampleApp): Promise<void> {
  downstream.setMode('failing');

  for (let count = 0; count < DOWNSTREAM_BREAKER.maxFailures; count++) {
    await request('/stock');
  }
}
