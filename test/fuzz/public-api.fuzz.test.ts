import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { Flow, MemoryStore, Routine, RoutiluxError, Runtime, getCurrentJob, type JobContext } from '../../src/index.js';
import * as testing from '../../src/testing/index.js';
import { ENTRY_POINTS, type FuzzEnvironment } from './entry-points.js';

/** Exports that take no input (constants, error classes, factories without arguments): nothing to fuzz. */
const NO_INPUT = new Set([
  'DEFAULT_MAX_QUEUE_LENGTH', 'FLOW_DEFINITION_VERSION', 'systemClock', 'getCurrentJob', 'immediatePolicy', 'allSlotsReadyPolicy',
  'toInspectable', 'jsonSerializer', 'structuredSerializer', 'TestRuntime', 'JobExpectationError',
]);
const isErrorClass = (value: unknown) => typeof value === 'function' && (value === RoutiluxError || value.prototype instanceof RoutiluxError);

class Instance {}
/** The 26 kinds of bad input of the hardening issue's fuzz, one value each. */
const BAD_VALUES: readonly [string, unknown][] = [
  ['undefined', undefined], ['null', null], ['true', true], ['zero', 0], ['negative', -1], ['fraction', 1.5], ['NaN', Number.NaN],
  ['Infinity', Infinity], ['huge', 2 ** 53], ['empty string', ''], ['blank', ' '], ['string', 'x'], ['"__proto__"', '__proto__'],
  ['"constructor"', 'constructor'], ['symbol', Symbol('s')], ['bigint', 10n], ['function', () => {}], ['empty array', []],
  ['array', [1]], ['empty object', {}], ['null-prototype object', Object.create(null)], ['Date', new Date(0)], ['Map', new Map()],
  ['RegExp', /re/], ['class instance', new Instance()], ['own __proto__ key', JSON.parse('{"__proto__":{"isAdmin":true}}')],
];

type Outcome = 'typed' | 'untyped' | 'accepted';

async function outcome(call: () => unknown): Promise<{ kind: Outcome; error?: unknown }> {
  try {
    const result = call();
    if (result && typeof (result as Promise<unknown>).then === 'function') await result;
    return { kind: 'accepted' };
  } catch (error) {
    return error instanceof RoutiluxError ? { kind: 'typed' } : { kind: 'untyped', error };
  }
}

let env: FuzzEnvironment;
let runtime: Runtime;

beforeAll(async () => {
  runtime = new Runtime({ onWarning: () => {} });
  const flow = new Flow('fuzz').addRoutine(new Routine().addSlot('in').setLogic(() => {}), 'r');
  let captured: JobContext | undefined;
  const holder = new Flow('fuzz-holder').addRoutine(new Routine().addSlot('in').setLogic(() => void (captured = getCurrentJob())), 'r');
  await runtime.post(holder, 'r', 'in', 1)[1].done();
  env = { runtime, flow, routine: () => new Routine(), store: new MemoryStore(), job: captured! };
});

afterAll(async () => {
  await env.store.close();
  await runtime.shutdown({ timeout: 1000 });
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
});

describe('the public API fuzz', () => {
  it('lists every export that takes input (a new export must join ENTRY_POINTS or NO_INPUT)', () => {
    const covered = new Set(ENTRY_POINTS.map((e) => e.exportName));
    const exported = { ...api, ...testing } as Record<string, unknown>;
    const missing = Object.keys(exported).filter((name) => !covered.has(name) && !NO_INPUT.has(name) && !isErrorClass(exported[name]));
    expect(missing).toEqual([]);
    for (const e of ENTRY_POINTS) expect(Object.hasOwn(exported, e.exportName), e.exportName).toBe(true);
  });

  it(`gives a typed error for every bad input, and accepts none silently (${ENTRY_POINTS.length} entry points x ${BAD_VALUES.length} kinds)`, async () => {
    const untyped: string[] = [];
    const silent: string[] = [];
    for (const entry of ENTRY_POINTS) {
      for (const [label, value] of BAD_VALUES) {
        const result = await outcome(() => entry.call(value, env));
        if (result.kind === 'untyped') untyped.push(`${entry.name} <- ${label}: ${String(result.error)}`);
        else if (result.kind === 'accepted' && !entry.accepts(value)) silent.push(`${entry.name} <- ${label}`);
      }
    }
    expect({ untyped, silent }).toEqual({ untyped: [], silent: [] });
  });

  it('holds for arbitrary values too (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENTRY_POINTS), fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true }), async (entry, value) => {
        const result = await outcome(() => entry.call(value, env));
        if (result.kind === 'untyped') throw new Error(`${entry.name}: untyped ${String(result.error)}`);
        if (result.kind === 'accepted' && !entry.accepts(value)) throw new Error(`${entry.name}: silently accepted ${String(value)}`);
      }),
      { numRuns: 1500 },
    );
  });
});
