/**
 * The rows of the performance table (issue 12): every bench prints its figure beside its aim with `reportRow`,
 * and `npm run bench` (bench/index.ts) gathers the rows of all benches into one table at the end.
 */

/** Lines starting with this are rows of the table; bench/index.ts collects them from each bench's output. */
export const ROW_MARK = '@@row ';

/** One row of the table, as a bench reports it. */
export interface BenchRow {
  /** What is measured, as the table words it. */
  readonly what: string;
  /** The measured figure, formatted (e.g. `0.93x`, `2.1 KB`, `6.4 ms`). */
  readonly measured: string;
  /** The aim, formatted (e.g. `>= 0.8x every run`). */
  readonly aim: string;
  readonly met: boolean;
}

/** Prints a row (readable in the bench's own output, and collected by bench/index.ts for the summary). */
export function reportRow(row: BenchRow): void {
  console.log(`${row.met ? 'MET   ' : 'MISSED'} ${row.what}: ${row.measured} (aim ${row.aim})`);
  console.log(`${ROW_MARK}${JSON.stringify(row)}`);
}

/** Reads the rows out of a bench's output. */
export function parseRows(output: string): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(ROW_MARK)) rows.push(JSON.parse(line.slice(ROW_MARK.length)) as BenchRow);
  }
  return rows;
}

/** The summary table, in Markdown (the README's performance table has the same columns). */
export function formatRows(rows: readonly BenchRow[]): string {
  const lines = ['| what | measured | aim | met |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.what} | ${r.measured} | ${r.aim} | ${r.met ? 'yes' : 'no'} |`);
  return lines.join('\n');
}
