/**
 * Returns a generator of numbers in [0, 1) that yields the same sequence for the same seed
 * (xorshift32), so that a long randomised run can be replayed exactly.
 *
 * @param seed any integer except 0
 */
export function seededRandom(seed: number): () => number {
  let state = seed | 0 || 1;

  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;

    return (state >>> 0) / 2 ** 32;
  };
}
