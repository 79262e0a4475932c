import { formatWithOptions } from 'node:util';
import { getCurrentJob } from './current-job.js';
import { assertOptionalBoolean, optionsBag } from '../util/args.js';

type Level = 'log' | 'info' | 'debug' | 'warn' | 'error';
const LEVELS: readonly Level[] = ['log', 'info', 'debug', 'warn', 'error'];

/** Options of captureConsole(). */
export interface CaptureConsoleOptions {
  /** Also print captured lines to the real console. Default false. */
  readonly passthrough?: boolean;
}

let installed: { restore: () => void; users: number; passthroughUsers: number } | undefined;

/**
 * Routes `console.log/info/debug/warn/error` called inside a job's logic into that job's `output` (bounded per
 * job), so concurrent jobs never mix their lines. Outside a job, console behaves as usual. Opt-in, process-wide;
 * returns a function that undoes it (once every caller has undone it).
 *
 * Lines from `warn` and `error` are prefixed with `[warn] ` / `[error] `.
 */
export function captureConsole(options?: CaptureConsoleOptions): () => void {
  const { passthrough = false } = optionsBag('captureConsole options', options);
  assertOptionalBoolean('captureConsole passthrough', passthrough);
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
        // Lines are also printed while any caller still capturing asked for passthrough.
        if (installed && installed.passthroughUsers > 0) print.apply(console, args);
      };
    }
    installed = {
      users: 1,
      passthroughUsers: 0,
      restore: () => {
        for (const [level, fn] of original) console[level] = fn;
      },
    };
  }
  if (passthrough) installed!.passthroughUsers++;
  let undone = false;
  return () => {
    if (undone || !installed) return;
    undone = true;
    if (passthrough) installed.passthroughUsers--;
    if (--installed.users === 0) {
      installed.restore();
      installed = undefined;
    }
  };
}
