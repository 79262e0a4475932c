/** Small helpers shared by the benches: warm up, repeat, keep the median, print a ratio. */

export async function median(trials: number, run: () => Promise<number> | number): Promise<number> {
  const results: number[] = [];
  for (let i = 0; i < trials; i++) results.push(await run());
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)]!;
}

/** Runs `work` (which performs `count` operations) and returns operations per second. */
export async function opsPerSecond(count: number, work: () => Promise<void> | void): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return count / seconds;
}

export function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

export function printRatio(label: string, ours: number, baseline: number, baselineLabel: string, unit = 'ops/s'): void {
  console.log(`${label.padEnd(44)} ${fmt(ours).padStart(12)} ${unit}   ${baselineLabel}: ${fmt(baseline).padStart(12)} ${unit}   ratio ${(baseline / ours).toFixed(2)}x cost`);
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
