/** Runs the TypeScript tests as ES modules through ts-jest. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // Tests that import the package by name get its sources, the copy every other test uses,
    // without a build first.
    '^nestjs-breaker$': '<rootDir>/lib/index.ts',
    '^nestjs-breaker/core$': '<rootDir>/lib/core/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  // Tests use fake timers, never sleeps, so this bounds only a hang, on a machine that may be slow.
  testTimeout: 30_000,
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  collectCoverageFrom: ['lib/**/*.ts'],
};
