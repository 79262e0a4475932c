import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { JournalCursor, type RecordedCall } from '../../src/durable/index.js';

const calls: RecordedCall[] = [
  { index: 0, kind: 'update', target: 'counter', result: { n: 1 } },
  { index: 1, kind: 'emit', target: 'out' },
  { index: 2, kind: 'setData', target: 'step' },
];

describe('JournalCursor', () => {
  it('replays committed calls in order (an update gets its recorded result), then runs live', () => {
    const cursor = new JournalCursor('job-1', 3, calls);
    expect(cursor.idempotencyKey).toBe('job-1:3');
    expect(cursor.replaying).toBe(true);
    expect(cursor.next('update', 'counter')).toEqual({ replay: true, index: 0, result: { n: 1 } });
    expect(cursor.next('emit', 'out')).toEqual({ replay: true, index: 1, result: undefined });
    expect(cursor.remaining).toBe(1);
    expect(cursor.next('setData', 'step')).toMatchObject({ replay: true, index: 2 });
    // The crash came here: the rest of the re-run is new work, not a divergence.
    expect(cursor.replaying).toBe(false);
    expect(cursor.next('emit', 'out')).toEqual({ replay: false, index: 3 });
    expect(cursor.next('trace')).toEqual({ replay: false, index: 4 });
    expect(cursor.finish()).toBeUndefined();
    expect(cursor.divergence).toBeUndefined();
  });

  it('a kind or target mismatch is a divergence: reported once, and every later call runs live', () => {
    const cursor = new JournalCursor('job-1', 1, calls);
    expect(cursor.next('update')).toMatchObject({ replay: true }); // no target given: the kind decides
    const step = cursor.next('emit', 'elsewhere');
    expect(step).toEqual({
      replay: false,
      index: 1,
      diverged: { jobId: 'job-1', seq: 1, index: 1, expected: 'emit out', actual: 'emit elsewhere' },
    });
    expect(cursor.next('setData', 'step')).toEqual({ replay: false, index: 2 }); // matches, but too late: live
    expect(cursor.replaying).toBe(false);
    expect(cursor.remaining).toBe(0);
    expect(cursor.finish()).toBeUndefined();

    const other = new JournalCursor('job-1', 1, calls);
    expect(other.next('emit', 'out')).toMatchObject({ replay: false, diverged: { index: 0, expected: 'update counter', actual: 'emit out' } });
  });

  it('ending with recorded calls left is a divergence too', () => {
    const cursor = new JournalCursor('job-2', 1, calls);
    cursor.next('update', 'counter');
    expect(cursor.finish()).toEqual({ jobId: 'job-2', seq: 1, index: 1, expected: 'emit out', actual: 'end' });
    expect(cursor.divergence?.actual).toBe('end');
  });

  it('a fresh activation has an empty journal: everything is live; calls are sorted by index', () => {
    const fresh = new JournalCursor('job-3', 1);
    expect(fresh.replaying).toBe(false);
    expect(fresh.next('update', 'x')).toEqual({ replay: false, index: 0 });
    const shuffled = new JournalCursor('job-3', 2, [calls[2]!, calls[0]!, calls[1]!]);
    expect(shuffled.next('update', 'counter')).toMatchObject({ replay: true, index: 0 });
  });

  it('bad arguments are typed errors', () => {
    expect(() => new JournalCursor('', 1)).toThrow(InvalidArgumentError);
    expect(() => new JournalCursor('j', 0)).toThrow(/activation seq/);
    expect(() => new JournalCursor('j', 1, 'calls' as never)).toThrow(InvalidArgumentError);
  });
});
