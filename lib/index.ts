export * from './core/index.js';
export * from './nest/index.js';
export * from './observability/index.js';
export * from './rxjs/index.js';
