import * as core from '../lib/core/index.js';
import * as entry from '../lib/index.js';
import * as byName from 'nestjs-breaker';
import * as coreByName from 'nestjs-breaker/core';

describe('the package imported by name', () => {
  it('is the same copy as the sources the other tests import, with no build needed', () => {
    expect(byName.Breaker).toBe(entry.Breaker);
    expect(byName.CircuitBreakerModule).toBe(entry.CircuitBreakerModule);
    expect(coreByName.Breaker).toBe(core.Breaker);
    expect(Object.keys(byName).sort()).toEqual(Object.keys(entry).sort());
  });
});
