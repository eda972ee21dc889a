import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CircuitBreakerRegistry } from '../../lib/nest/index.js';

/** Creates the HTTP adapter of one platform; `undefined` stands for Nest's default, Express. */
export type CreateAdapter = () => FastifyAdapter | undefined;

/** The HTTP platforms every end-to-end HTTP test runs on, for `describe.each`. */
export const httpAdapters: readonly (readonly [platform: string, createAdapter: CreateAdapter])[] =
  [
    ['Express', () => undefined],
    ['Fastify', () => new FastifyAdapter()],
  ];

/**
 * Compiles a testing module from `metadata` and starts it as an HTTP application on the adapter
 * `createAdapter` makes, with Nest's logging off, ready for supertest.
 */
export async function startHttpApp(
  metadata: ModuleMetadata,
  createAdapter: CreateAdapter,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const adapter = createAdapter();
  const app =
    adapter === undefined
      ? moduleRef.createNestApplication({ logger: false })
      : moduleRef.createNestApplication(adapter, { logger: false });

  try {
    await app.init();

    if (adapter !== undefined) await adapter.getInstance().ready();
  } catch (error) {
    await app.close();

    throw error;
  }

  return app;
}

/** An application the tests of one `describe` block share. */
export interface SharedHttpApp {
  /** The running application; read it inside hooks and tests, once it has started. */
  readonly app: INestApplication;
  /** The application's breakers. */
  readonly registry: CircuitBreakerRegistry;
  /** Sends `GET path` to the application. */
  get(path: string): request.Test;
}

/**
 * Starts one application from `metadata` before the tests of the enclosing `describe` block and
 * closes it after them. Every breaker is reset before each test, so that each starts from closed
 * circuits; a block's own `beforeEach` resets the rest of its state.
 */
export function shareHttpApp(
  metadata: ModuleMetadata,
  createAdapter: CreateAdapter,
): SharedHttpApp {
  let app: INestApplication | undefined;
  const running = (): INestApplication => {
    if (app === undefined) throw new Error('The shared application has not started.');

    return app;
  };

  beforeAll(async () => {
    app = await startHttpApp(metadata, createAdapter);
  });

  afterAll(async () => {
    await app?.close();
    app = undefined;
  });

  beforeEach(() => {
    for (const breaker of running().get(CircuitBreakerRegistry)) breaker.reset();
  });

  return {
    get app() {
      return running();
    },
    get registry() {
      return running().get(CircuitBreakerRegistry);
    },
    get: (path) => request(running().getHttpServer()).get(path),
  };
}
