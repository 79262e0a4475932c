/**
 * The glob matcher every backend filters with, against a reference built independently (a regular expression made
 * from the same pattern), on small random patterns and keys; and a pattern that takes a backtracking matcher
 * exponential time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../src/stores/glob.js';

const ALPHABET = ['a', 'b', 'c', ':', '-', '日', '🚀'];

/** A glob pattern as parts, so the reference and the pattern string are built from the same description. */
type Part =
  | { kind: 'literal'; char: string }
  | { kind: 'star' }
  | { kind: 'one' }
  | { kind: 'class'; negated: boolean; items: [string, string][] };

const char = fc.constantFrom(...ALPHABET, '*', '?', '[', ']', '\\');
const plainChar = fc.constantFrom(...ALPHABET);
const part: fc.Arbitrary<Part> = fc.oneof(
  { weight: 4, arbitrary: char.map((c) => ({ kind: 'literal' as const, char: c })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'star' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'one' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('class' as const),
      negated: fc.boolean(),
      items: fc.array(
        fc.tuple(plainChar, plainChar).map(([a, b]) => (a.codePointAt(0)! <= b.codePointAt(0)! ? [a, b] : [b, a]) as [string, string]),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
);

function toPattern(parts: readonly Part[]): string {
  return parts
    .map((p) => {
      if (p.kind === 'literal') return /[*?[\]\\]/.test(p.char) ? `\\${p.char}` : p.char;
      if (p.kind === 'star') return '*';
      if (p.kind === 'one') return '?';
      const esc = (c: string) => (c === '-' ? '\\-' : c);
      return `[${p.negated ? '^' : ''}${p.items.map(([a, b]) => (a === b ? esc(a) : `${esc(a)}-${esc(b)}`)).join('')}]`;
    })
    .join('');
}

const regexEscape = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
const classEscape = (c: string) => c.replace(/[\\\]^-]/g, '\\$&');

function toRegex(parts: readonly Part[]): RegExp {
  const body = parts
    .map((p) => {
      if (p.kind === 'literal') return regexEscape(p.char);
      if (p.kind === 'star') return '.*';
      if (p.kind === 'one') return '.';
      return `[${p.negated ? '^' : ''}${p.items.map(([a, b]) => (a === b ? classEscape(a) : `${classEscape(a)}-${classEscape(b)}`)).join('')}]`;
    })
    .join('');
  return new RegExp(`^${body}$`, 'su');
}

describe('glob matcher', () => {
  it('agrees with a regular expression built from the same pattern', () => {
    fc.assert(
      fc.property(fc.array(part, { maxLength: 8 }), fc.array(fc.array(char, { maxLength: 8 }), { minLength: 1, maxLength: 8 }), (parts, keyChars) => {
        const glob = compileGlob(toPattern(parts));
        const reference = toRegex(parts);
        for (const chars of keyChars) {
          const key = chars.join('');
          expect(glob.test(key), `${glob.pattern} on ${JSON.stringify(key)}`).toBe(reference.test(key));
        }
        // Keys made to match: each part replaced by something it accepts.
        const built = parts.map((p) => (p.kind === 'literal' ? p.char : p.kind === 'class' && !p.negated ? p.items[0]![0] : p.kind === 'star' ? 'ab' : ':')).join('');
        expect(glob.test(built)).toBe(reference.test(built));
      }),
      { seed: 8, numRuns: 3000 },
    );
  });

  it('takes time linear in the key for patterns that make a backtracking matcher exponential', () => {
    const glob = compileGlob('*a*a*a*a*a*a*a*a*a*a*b');
    const key = 'a'.repeat(5000);
    // A backtracking matcher needs about C(5000, 10) steps here; ours a few million at most.
    expect(glob.test(key)).toBe(false);
    expect(glob.test(`${key}b`)).toBe(true);
    expect(compileGlob('*a?a[ab]*b').test(`${'a'.repeat(10_000)}b`)).toBe(true);
  });
});
