import { InvalidArgumentError } from '../errors.js';
import type { CallKind } from './records.js';
import type { RecordedCall } from './replay.js';

/** What the cursor says about the next runtime call of a re-run activation. */
export type CursorStep =
  /** The call was committed before the crash: do not perform it again; an update returns `result`. */
  | { readonly replay: true; readonly index: number; readonly result: unknown }
  /**
   * Perform the call and journal it with `index`. `diverged` is set on the first call that departs from the
   * journal: trace `journal.diverged` with it and append an `activation.diverged` record (see records.ts).
   */
  | { readonly replay: false; readonly index: number; readonly diverged?: Divergence };

/** Where a re-run departed from its journal. */
export interface Divergence {
  readonly jobId: string;
  readonly seq: number;
  readonly index: number;
  /** The recorded call at `index` (`kind` or `kind target`), or undefined when the run made fewer calls. */
  readonly expected?: string;
  /** The call the re-run made instead, or `end` when it ended with recorded calls left. */
  readonly actual: string;
}

const describeCall = (kind: string, target: string | undefined) => (target === undefined ? kind : `${kind} ${target}`);

/**
 * Steps through the committed calls of one activation (`<jobId>:<seq>`) while it runs again after a crash.
 * Each runtime call of the re-run asks `next(kind, target)`: while the kinds (and targets, when both are
 * known) match the journal in order, the call is replayed from it (an update gets its recorded result, an emit
 * is not delivered twice, setData and trace are not repeated); past the end of the journal, or from the first
 * mismatch on, every call runs live. A fresh (not re-run) activation uses a cursor over no calls: all live.
 */
export class JournalCursor {
  readonly jobId: string;
  readonly seq: number;
  readonly #calls: readonly RecordedCall[];
  #position = 0;
  #divergence: Divergence | undefined;

  constructor(jobId: string, seq: number, calls: readonly RecordedCall[] = []) {
    if (typeof jobId !== 'string' || jobId === '') throw new InvalidArgumentError('JournalCursor jobId', jobId, 'a non-empty job id');
    if (!Number.isInteger(seq) || seq < 1) throw new InvalidArgumentError('JournalCursor seq', seq, 'an activation seq (a whole number >= 1)');
    if (!Array.isArray(calls)) throw new InvalidArgumentError('JournalCursor calls', calls, 'the activation’s recorded calls (RestoredActivation.calls)');
    this.jobId = jobId;
    this.seq = seq;
    this.#calls = [...calls].sort((a, b) => a.index - b.index);
  }

  /** `<jobId>:<seq>`: the same for every run of this activation, to pass to external APIs. */
  get idempotencyKey(): string {
    return `${this.jobId}:${this.seq}`;
  }

  /** Whether calls are still being replayed from the journal. */
  get replaying(): boolean {
    return this.#divergence === undefined && this.#position < this.#calls.length;
  }

  /** Recorded calls not replayed yet (0 once the run has caught up or diverged). */
  get remaining(): number {
    return this.#divergence === undefined ? this.#calls.length - this.#position : 0;
  }

  /** The first departure from the journal, if there was one. */
  get divergence(): Divergence | undefined {
    return this.#divergence;
  }

  /** The step for the next runtime call of the re-run (see CursorStep). */
  next(kind: CallKind, target?: string): CursorStep {
    const index = this.#position++;
    if (this.#divergence !== undefined || index >= this.#calls.length) return { replay: false, index };
    const recorded = this.#calls[index]!;
    const sameTarget = recorded.target === undefined || target === undefined || recorded.target === target;
    if (recorded.kind === kind && sameTarget) return { replay: true, index, result: recorded.result };
    this.#divergence = { jobId: this.jobId, seq: this.seq, index, expected: describeCall(recorded.kind, recorded.target), actual: describeCall(kind, target) };
    return { replay: false, index, diverged: this.#divergence };
  }

  /**
   * Call when the re-run's logic ended. Returns a Divergence when it made fewer calls than the journal holds
   * (trace it; the extra recorded calls' effects were committed and stay), else undefined.
   */
  finish(): Divergence | undefined {
    if (this.#divergence !== undefined || this.#position >= this.#calls.length) return undefined;
    const recorded = this.#calls[this.#position]!;
    this.#divergence = { jobId: this.jobId, seq: this.seq, index: this.#position, expected: describeCall(recorded.kind, recorded.target), actual: 'end' };
    return this.#divergence;
  }
}
