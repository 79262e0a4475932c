/**
 * Runs every bench/*.bench.ts in its own process, one after another (they measure, so they must not overlap),
 * then prints the rows each reported (bench/lib/report.ts) as one table: figure, aim, met or not.
 * `npm run bench -- stores` runs only the files whose name contains "stores".
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROW_MARK, formatRows, parseRows, type BenchRow } from './lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

/** Runs one bench, passing its output through (without the row marks) and returning the rows it reported. */
function runBench(file: string): Promise<{ rows: BenchRow[]; ok: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (!line.startsWith(ROW_MARK)) process.stdout.write(`${line}\n`);
    });
    child.on('close', (code) => {
      if (pending && !pending.startsWith(ROW_MARK)) process.stdout.write(`${pending}\n`);
      resolve({ rows: parseRows(output), ok: code === 0 });
    });
  });
}

let failed = 0;
const rows: BenchRow[] = [];
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const result = await runBench(file);
  rows.push(...result.rows);
  if (!result.ok) failed++;
}
if (!files.length) console.log(`no bench matches ${filters.join(' ')}`);
if (rows.length) console.log(`\n=== the performance table (issue 12) ===\n${formatRows(rows)}`);
process.exit(failed ? 1 : 0);
