import { customRandom, urlAlphabet } from 'nanoid';
import type { IdGenerator } from '../runtime/ids.js';
import { InvalidArgumentError } from '../errors.js';

function assertSeed(seed: unknown): asserts seed is number {
  if (!Number.isSafeInteger(seed)) throw new InvalidArgumentError('seed', seed, 'an integer, e.g. 1 (the same seed gives the same ids)');
}

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; the same seed gives the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  assertSeed(seed);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ids in the runtime's usual shape (`job_…`, `worker_…`), drawn from nanoid over a seeded PRNG. */
export function seededIds(seed: number): IdGenerator {
  assertSeed(seed);
  const random = seededRandom(seed);
  const next = customRandom(urlAlphabet, 12, (size) => {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
    return bytes;
  });
  return (prefix) => `${prefix}_${next()}`;
}
