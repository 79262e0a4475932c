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

/**
 * Runs `ours` and `baseline` alternately `trials` times and returns the median of each and the median of the
 * per-pair cost ratios (baseline rate / our rate): the machines are shared and noisy, and noise that hits both
 * runs of a pair cancels out of its ratio.
 */
export async function paired(
  trials: number,
  ours: () => Promise<number>,
  baseline: () => Promise<number>,
): Promise<{ ours: number; baseline: number; ratio: number }> {
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < trials; i++) {
    const x = await ours();
    const y = await baseline();
    a.push(x);
    b.push(y);
    ratios.push(y / x);
  }
  const mid = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
  return { ours: mid(a), baseline: mid(b), ratio: mid(ratios) };
}

export function printPaired(label: string, result: { ours: number; baseline: number; ratio: number }, baselineLabel: string, unit = 'ops/s'): void {
  console.log(
    `${label.padEnd(44)} ${fmt(result.ours).padStart(12)} ${unit}   ${baselineLabel}: ${fmt(result.baseline).padStart(12)} ${unit}   ratio ${result.ratio.toFixed(2)}x cost`,
  );
}
