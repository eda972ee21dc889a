import type { PeerLoader } from '../../observability/optional-peer.js';

/** How the module imports each optional peer dependency, only when something needs it. */
export interface OptionalPeerLoaders {
  promClient: PeerLoader;
  openTelemetry: PeerLoader;
  eventEmitter: PeerLoader;
  terminus: PeerLoader;
}

/** Token of the `OptionalPeerLoaders`; tests override it to simulate a missing package. */
export const OPTIONAL_PEER_LOADERS = 'nestjs-breaker:optional-peer-loaders';

/** Imports each package with a dynamic `import()`. */
export const DEFAULT_PEER_LOADERS: OptionalPeerLoaders = Object.freeze({
  promClient: () => import('prom-client'),
  openTelemetry: () => import('@opentelemetry/api'),
  eventEmitter: () => import('@nestjs/event-emitter'),
  terminus: () => import('@nestjs/terminus'),
});
