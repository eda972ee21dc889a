import { jest } from '@jest/globals';

const OPTIONAL_PEERS = [
  'prom-client',
  '@opentelemetry/api',
  '@nestjs/terminus',
  '@nestjs/event-emitter',
];

for (const name of OPTIONAL_PEERS) {
  jest.unstable_mockModule(name, () => {
    throw new Error(`Cannot find package '${name}'`);
  });
}

describe('without the optional peer dependencies installed', () => {
  it('loads the Nest layer and the observability adapters', async () => {
    await expect(import('../../lib/nest/index.js')).resolves.toHaveProperty('CircuitBreakerModule');
    await expect(import('../../lib/observability/index.js')).resolves.toHaveProperty(
      'attachPrometheusMetrics',
    );
  });

  it('names the package to install only when an integration is turned on', async () => {
    const { BreakerRegistry } = await import('../../lib/core/index.js');
    const { attachOpenTelemetryMetrics, attachPrometheusMetrics } =
      await import('../../lib/observability/index.js');
    const breakers = new BreakerRegistry();

    await expect(attachPrometheusMetrics(breakers, false)).resolves.toBeInstanceOf(Function);
    await expect(attachPrometheusMetrics(breakers, true)).rejects.toThrow(
      'Install it with `npm install prom-client`.',
    );
    await expect(attachOpenTelemetryMetrics(breakers, true)).rejects.toThrow(
      'Install it with `npm install @opentelemetry/api`.',
    );
  });
});
