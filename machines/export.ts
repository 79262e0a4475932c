/**
 * Exports the runtime, worker and job machines as JSON for the Stately editor:
 *
 *   npm run machines:export            writes machines/runtime.machine.json, worker.machine.json, job.machine.json
 *   npm run machines:export -- --check exits with code 1 if a committed file is out of date
 *
 * The editor imports machine *config* (what you pass to `createMachine`), so that is what is written: the
 * machine's own config, with its functions left out (the `context` factories: contexts are filled from `input`
 * at run time). `machine.toJSON()` is not used: it returns XState's resolved definition (transition lists,
 * `source`, `order`, targets as `#id` arrays), which `createMachine` does not read back. Actions and guards stay
 * as the names given in `setup(...)`. To import one: in the Stately editor choose Import and paste
 * `createMachine(<the file's contents>)`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { jobMachine } from './job.machine.js';
import { runtimeMachine } from './runtime.machine.js';
import { workerMachine } from './worker.machine.js';

/** The machines exported, by file name stem: `machines/<stem>.machine.json`. */
export const exportedMachines: Readonly<Record<string, AnyStateMachine>> = {
  runtime: runtimeMachine,
  worker: workerMachine,
  job: jobMachine,
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The machine's config as plain JSON, in its source key order (so the output is the same on every run).
 * Functions and `undefined` are left out; anything else that is not JSON (a class instance, a symbol, a
 * non-finite number) is a mistake in a machine definition and throws, naming where it is.
 */
export function machineConfig(machine: AnyStateMachine): Json {
  return toJson(machine.config, machine.id);
}

function toJson(value: unknown, path: string): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
  } else if (Array.isArray(value)) {
    return value.filter((item) => item !== undefined && typeof item !== 'function').map((item, i) => toJson(item, `${path}[${i}]`));
  } else if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined || typeof item === 'function') continue;
      out[key] = toJson(item, `${path}.${key}`);
    }
    return out;
  }
  throw new TypeError(`machines/export: ${path} is ${String(value)}, which JSON cannot hold. Machine configs must be plain data; name actions, guards and actors in setup(...).`);
}

/** The files `npm run machines:export` writes, by name, with their exact text. */
export function exportMachines(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [stem, machine] of Object.entries(exportedMachines)) {
    files[`${stem}.machine.json`] = `${JSON.stringify(machineConfig(machine), null, 2)}\n`;
  }
  return files;
}

function main(args: readonly string[]): number {
  const check = args.includes('--check');
  let stale = 0;
  for (const [name, text] of Object.entries(exportMachines())) {
    const file = fileURLToPath(new URL(name, import.meta.url));
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) {
      console.log(`machines/${name} is up to date`);
    } else if (check) {
      stale++;
      console.log(`machines/${name} is out of date: run npm run machines:export`);
    } else {
      writeFileSync(file, text);
      console.log(`wrote machines/${name}`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
