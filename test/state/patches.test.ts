import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SerializationError } from '../../src/errors.js';
import { applyRoutineUpdate, deleteRoutineUpdate, type StateChange } from '../../src/state/apply-update.js';
import { replayRoutineUpdate, restoreRoutineStates } from '../../src/state/replay.js';
import { RoutineStates } from '../../src/state/routine-states.js';

type Doc = { n?: number; list?: unknown[]; nested?: Record<string, unknown>; tags?: string[] };

/** Recipes of the kinds logic writes: counters, pushes, splices, nested objects, deletes, replacements. */
const recipes: ((d: Doc) => Doc | void)[] = [
  (d) => void (d.n = (d.n ?? 0) + 1),
  (d) => void (d.list ??= []).push({ at: d.list.length }),
  (d) => void d.list?.splice(0, 1),
  (d) => void ((d.nested ??= {})[`k${Object.keys(d.nested ?? {}).length}`] = { deep: [1, 2] }),
  (d) => {
    if (d.nested) for (const k of Object.keys(d.nested).slice(0, 1)) delete d.nested[k];
  },
  (d) => void (d.tags = ['a', 'b']),
  (d) => void (d.tags &&= d.tags.filter((t) => t !== 'a')),
  () => ({ n: 100, list: [] }),
  (d) => void (d.list && d.list.length > 0 && ((d.list[0] as { at: number }).at += 10)),
];

const ROUTINES = ['a', 'b', 'constructor'];

describe('each update yields Immer patches that rebuild the state', () => {
  it('replaying the patches of any sequence of updates on the starting snapshot gives the same state', () => {
    const step = fc.tuple(fc.constantFrom(...ROUTINES), fc.integer({ min: 0, max: recipes.length }));
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), fc.constantFrom('json' as const, 'structured' as const), (steps, mode) => {
        const start = restoreRoutineStates({ a: { n: 1 } }, mode);
        let live = start;
        const journal: StateChange[] = [];
        for (const [routineId, which] of steps) {
          const change =
            which === recipes.length ? deleteRoutineUpdate(live, routineId, true) : applyRoutineUpdate(live, routineId, recipes[which]!, mode, true);
          journal.push(change);
          live = change.states;
        }
        // From a snapshot, as a journal would: the plain record through JSON, then every update's patches.
        let restored = restoreRoutineStates(JSON.parse(JSON.stringify(start)), mode);
        for (const change of journal) restored = replayRoutineUpdate(restored, change.routineId, change.patches!, mode).states;
        expect(JSON.parse(JSON.stringify(restored))).toEqual(JSON.parse(JSON.stringify(live)));
        expect([...restored.entries()].map(([id]) => id)).toEqual([...live.entries()].map(([id]) => id));
        // Inverse patches walk it back to the start.
        let undone = live;
        for (const change of [...journal].reverse()) undone = replayRoutineUpdate(undone, change.routineId, change.inversePatches!, mode).states;
        expect(undone.toRecord()).toEqual(start.toRecord());
      }),
      { numRuns: 150 },
    );
  });

  it('a one-key edit of a big state is one patch, and an unchanged recipe none', () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) big[`k${i}`] = i;
    const states = applyRoutineUpdate(RoutineStates.EMPTY, 'big', big, 'json').states;
    const change = applyRoutineUpdate(states, 'big', (d: Record<string, number>) => void (d.k5 = -5), 'json', true);
    expect(change.patches).toEqual([{ op: 'replace', path: ['k5'], value: -5 }]);
    expect(change.inversePatches).toEqual([{ op: 'replace', path: ['k5'], value: 5 }]);
    expect(Object.isFrozen(change.value)).toBe(true);
    const same = applyRoutineUpdate(change.states, 'big', (d: Record<string, number>) => void (d.k5 = -5), 'json', true);
    expect(same.states).toBe(change.states);
    expect(same.patches).toEqual([]);
  });

  it('an edit under a key named constructor replays (journaled as the whole value)', () => {
    const states = restoreRoutineStates({ a: JSON.parse('{"constructor": {"n": 1}}') }, 'json');
    const change = applyRoutineUpdate(states, 'a', (d: Record<string, { n: number }>) => {
      d['constructor']!.n += 1;
    }, 'json', true);
    expect(change.patches).toEqual([{ op: 'replace', path: [], value: change.value }]);
    const replayed = replayRoutineUpdate(states, 'a', change.patches!, 'json').states;
    expect(JSON.stringify(replayed)).toBe(JSON.stringify(change.states));
    expect(({} as { n?: number }).n).toBeUndefined();
    expect(JSON.stringify(replayRoutineUpdate(change.states, 'a', change.inversePatches!, 'json').states)).toBe(JSON.stringify(states));
  });

  it('a refused patch leaves the states as they were', () => {
    const states = restoreRoutineStates({ a: { list: [1] } }, 'json');
    expect(() => replayRoutineUpdate(states, 'a', [{ op: 'add', path: ['list', 1], value: { f: () => 1 } }], 'json')).toThrow(
      /routineStates\.a\.list\[1\]\.f: function/,
    );
    expect(states.toRecord()).toEqual({ a: { list: [1] } });
  });

  it('restoring a snapshot checks and freezes every value', () => {
    const states = restoreRoutineStates({ a: { nested: { x: [1] } }, toString: { n: 1 } }, 'json');
    const a = states.get('a') as { nested: { x: number[] } };
    expect(Object.isFrozen(a.nested.x)).toBe(true);
    expect(states.get('toString')).toEqual({ n: 1 });
    expect(() => restoreRoutineStates({ a: { when: new Date(0) } }, 'json')).toThrow(SerializationError);
    expect(() => restoreRoutineStates({ a: { when: new Date(0) } }, 'json')).toThrow(/routineStates\.a\.when: Date is not serializable/);
    expect(restoreRoutineStates({ a: { when: new Date(0) } }, 'structured').get('a')).toEqual({ when: new Date(0) });
  });
});
