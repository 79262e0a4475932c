import { formatWithOptions } from 'node:util';
import { getCurrentJob } from './current-job.js';

type Level = 'log' | 'info' | 'debug' | 'warn' | 'error';
const LEVELS: readonly Level[] = ['log', 'info', 'debug', 'warn', 'error'];

export interface CaptureConsoleOptions {
  /** Also print captured lines to the real console. Default false. */
  readonly passthrough?: boolean;
}

let installed: { restore: () => void; users: number } | undefined;

/**
 * Routes `console.log/info/debug/warn/error` called inside a job's logic into that job's `output` (bounded per
 * job), so concurrent jobs never mix their lines. Outside a job, console behaves as usual. Opt-in, process-wide;
 * returns a function that undoes it (once every caller has undone it).
 *
 * Lines from `warn` and `error` are prefixed with `[warn] ` / `[error] `.
 */
export function captureConsole(options: CaptureConsoleOptions = {}): () => void {
  if (installed) {
    installed.users++;
  } else {
    const original = new Map<Level, (...args: unknown[]) => void>(LEVELS.map((level) => [level, console[level]]));
    for (const level of LEVELS) {
      const print = original.get(level)!;
      console[level] = (...args: unknown[]) => {
        const job = getCurrentJob();
        if (!job) return print.apply(console, args);
        const line = formatWithOptions({ colors: false }, ...args);
        job.appendOutput(level === 'warn' || level === 'error' ? `[${level}] ${line}` : line);
        if (options.passthrough) print.apply(console, args);
      };
    }
    installed = {
      users: 1,
      restore: () => {
        for (const [level, fn] of original) console[level] = fn;
      },
    };
  }
  let undone = false;
  return () => {
    if (undone || !installed) return;
    undone = true;
    if (--installed.users === 0) {
      installed.restore();
      installed = undefined;
    }
  };
}
