import {
  BulkheadFullError,
  CircuitOpenError,
  isBulkheadFullError,
  isCircuitOpenError,
} from '../../lib/core/index.js';

describe('errors', () => {
  it('recognises a CircuitOpenError from another copy of the package by its brand', () => {
    const foreign = { [Symbol.for('nestjs-breaker.CircuitOpenError')]: true };

    expect(isCircuitOpenError(foreign)).toBe(true);
    expect(isCircuitOpenError(new Error('CircuitOpenError'))).toBe(false);
    expect(isCircuitOpenError(null)).toBe(false);
  });

  it('creates rejections without a stack trace and leaves the stack limit as it was', () => {
    const limit = Error.stackTraceLimit;
    const error = CircuitOpenError.create('payments', 'open', 1_500);

    expect(error.stack?.split('\n')).toHaveLength(1);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('payments');
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('brands bulkhead rejections', () => {
    const error = BulkheadFullError.create('search', 4);

    expect(isBulkheadFullError(error)).toBe(true);
    expect(isCircuitOpenError(error)).toBe(false);
    expect(error).toMatchObject({ name: 'BulkheadFullError', maxConcurrent: 4 });
  });
});

describe('errors made by their constructors', () => {
  it('carry the brand, the message and a stack like those made for rejections', () => {
    const constructed = new CircuitOpenError('payments', 'half-open', 200);
    const created = CircuitOpenError.create('payments', 'half-open', 200);

    expect(isCircuitOpenError(constructed)).toBe(true);
    expect(constructed.message).toBe(created.message);
    expect(constructed.stack).toContain('CircuitOpenError');
    expect(created).toBeInstanceOf(CircuitOpenError);
    expect(String(created)).toBe(`CircuitOpenError: ${created.message}`);
  });
});
