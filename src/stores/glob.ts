import { InvalidArgumentError } from '../errors.js';

/**
 * Glob patterns for `keys()` / `scan()`: `*` any run of characters (also `:`), `?` exactly one character,
 * `[abc]` / `[a-z]` one character of a set, `[!abc]` / `[^abc]` one character not in it, `\x` the character x.
 * Every backend matches with the same compiled test, so results agree; Redis gets a MATCH pattern that selects
 * a superset (Redis matches bytes, not characters) and the test filters it exactly.
 */
export interface Glob {
  readonly pattern: string;
  /** The literal characters before the first wildcard: backends use it to narrow their search. */
  readonly literalPrefix: string;
  /** The pattern matches every key (`*`). */
  readonly matchesAll: boolean;
  /** A Redis MATCH pattern (to append to an escaped key prefix) that matches at least what `test` matches. */
  readonly redis: string;
  test(key: string): boolean;
}

type Token =
  | { readonly kind: 'literal'; readonly char: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'one' }
  | { readonly kind: 'class'; readonly negated: boolean; readonly items: readonly (readonly [from: string, to: string])[] };

const EXPECTED =
  'a glob pattern: * (any characters), ? (one character), [abc], [a-z], [!abc]; escape a literal *, ?, [, ] or \\ with a backslash';

function invalid(pattern: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError('pattern', pattern, `${EXPECTED} (${problem})`);
}

function parse(pattern: string): Token[] {
  const chars = Array.from(pattern); // code points, so `?` and classes see whole characters
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') {
      tokens.push({ kind: 'one' });
    } else if (c === '\\') {
      const next = chars[++i];
      if (next === undefined) throw invalid(pattern, 'it ends with a lone backslash');
      tokens.push({ kind: 'literal', char: next });
    } else if (c === '[') {
      let j = i + 1;
      const negated = chars[j] === '!' || chars[j] === '^';
      if (negated) j++;
      const items: (readonly [string, string])[] = [];
      for (;;) {
        let from = chars[j];
        if (from === undefined) throw invalid(pattern, `the "[" at position ${i} is never closed`);
        if (from === ']') break;
        if (from === '\\') {
          from = chars[++j];
          if (from === undefined) throw invalid(pattern, 'it ends with a lone backslash');
        }
        let to = from;
        if (chars[j + 1] === '-' && chars[j + 2] !== undefined && chars[j + 2] !== ']') {
          j += 2;
          to = chars[j]!;
          if (to === '\\') {
            to = chars[++j]!;
            if (to === undefined) throw invalid(pattern, 'it ends with a lone backslash');
          }
          if (to.codePointAt(0)! < from.codePointAt(0)!) throw invalid(pattern, `the range ${from}-${to} is reversed`);
        }
        items.push([from, to]);
        j++;
      }
      if (items.length === 0) throw invalid(pattern, `the set at position ${i} is empty`);
      tokens.push({ kind: 'class', negated, items });
      i = j;
    } else {
      tokens.push({ kind: 'literal', char: c });
    }
  }
  return tokens;
}

const REDIS_SPECIAL = /[\\*?[\]]/g;
const REDIS_CLASS_SPECIAL = /[\\*?[\]^-]/g;

/** Escapes a literal string for a Redis MATCH pattern. */
export function escapeRedisGlob(literal: string): string {
  return literal.replace(REDIS_SPECIAL, '\\$&');
}

function toRedis(tokens: readonly Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'literal') out += escapeRedisGlob(t.char);
    else if (t.kind === 'class' && !t.negated && t.items.every(([a, b]) => a < '\x80' && b < '\x80')) {
      const esc = (c: string) => c.replace(REDIS_CLASS_SPECIAL, '\\$&');
      out += `[${t.items.map(([a, b]) => (a === b ? esc(a) : `${esc(a)}-${esc(b)}`)).join('')}]`;
    } else if (!out.endsWith('*') || out.endsWith('\\*')) {
      // `?` and non-ASCII or negated sets match one character, which Redis (matching bytes) cannot express:
      // widen to `*` and let the compiled test decide.
      out += '*';
    }
  }
  return out;
}

const MATCH_ALL: Glob = { pattern: '*', literalPrefix: '', matchesAll: true, redis: '*', test: () => true };

/** A run of one-character tokens between stars. */
type Segment = readonly Exclude<Token, { kind: 'star' }>[];
/** What a key is indexed as: the string itself (no surrogates: one UTF-16 unit per character) or its code points. */
type Chars = string | readonly string[];

const SURROGATE = /[\uD800-\uDFFF]/;

function matchesOne(t: Segment[number], c: string): boolean {
  if (t.kind === 'literal') return t.char === c;
  if (t.kind === 'one') return true;
  let inSet = false;
  for (const [from, to] of t.items) {
    if (from === to ? c === from : c.codePointAt(0)! >= from.codePointAt(0)! && c.codePointAt(0)! <= to.codePointAt(0)!) {
      inSet = true;
      break;
    }
  }
  return inSet !== t.negated;
}

/** Whether `segment` matches `chars` at `at` (the caller checked that it fits). */
function matchesAt(segment: Segment, chars: Chars, at: number): boolean {
  for (let j = 0; j < segment.length; j++) if (!matchesOne(segment[j]!, chars[at + j]!)) return false;
  return true;
}

/**
 * Matches without backtracking over stars: the part before the first star must match at the start, the part
 * after the last star at the end, and each part in between is taken at its leftmost place after the previous
 * one. Taking the leftmost place is always right (it leaves the most room for what follows), so no choice is
 * ever revisited and a key costs at most (key length × pattern length) steps, like Redis's own matcher, however
 * many stars the pattern has. A backtracking matcher (or a regex) takes exponential time on `*a*a*a*a*b`.
 */
function segmentMatcher(segments: readonly Segment[]): (key: string) => boolean {
  const head = segments[0]!;
  const tail = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1);
  const fixed = segments.reduce((n, s) => n + s.length, 0);
  return (key) => {
    const chars: Chars = SURROGATE.test(key) ? Array.from(key) : key;
    const n = chars.length;
    if (n < fixed || !matchesAt(head, chars, 0) || !matchesAt(tail, chars, n - tail.length)) return false;
    let at = head.length;
    const end = n - tail.length;
    for (const segment of middle) {
      let found = -1;
      for (let i = at; i + segment.length <= end; i++) {
        if (matchesAt(segment, chars, i)) {
          found = i;
          break;
        }
      }
      if (found < 0) return false;
      at = found + segment.length;
    }
    return true;
  };
}

/** A pattern without stars: the key has exactly as many characters as tokens, each matching its own. */
function exactMatcher(segment: Segment): (key: string) => boolean {
  return (key) => {
    const chars: Chars = SURROGATE.test(key) ? Array.from(key) : key;
    return chars.length === segment.length && matchesAt(segment, chars, 0);
  };
}

function compileTest(tokens: readonly Token[]): (key: string) => boolean {
  const segments: Segment[] = [[]];
  for (const t of tokens) {
    if (t.kind === 'star') segments.push([]);
    else (segments[segments.length - 1] as Token[]).push(t);
  }
  return segments.length === 1 ? exactMatcher(segments[0]!) : segmentMatcher(segments);
}

/** Parses and compiles a pattern. Throws InvalidArgumentError naming the problem. */
export function compileGlob(pattern: unknown = '*'): Glob {
  if (pattern === '*') return MATCH_ALL;
  if (typeof pattern !== 'string') throw new InvalidArgumentError('pattern', pattern, EXPECTED);
  const tokens = parse(pattern);
  let literalPrefix = '';
  for (const t of tokens) {
    if (t.kind !== 'literal') break;
    literalPrefix += t.char;
  }
  const literalOnly = literalPrefix.length > 0 && tokens.every((t) => t.kind === 'literal');
  const matchesAll = tokens.length === 1 && tokens[0]!.kind === 'star';
  const prefixStar = !literalOnly && tokens.length > 0 && tokens.slice(0, -1).every((t) => t.kind === 'literal') && tokens[tokens.length - 1]!.kind === 'star';
  const test: (key: string) => boolean = matchesAll
    ? () => true
    : literalOnly || tokens.length === 0
      ? (key) => key === literalPrefix
      : prefixStar
        ? (key) => key.startsWith(literalPrefix)
        : compileTest(tokens);
  return { pattern, literalPrefix, matchesAll, redis: toRedis(tokens), test };
}
