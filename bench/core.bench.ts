/**
 * The job engine's rows of the performance table (issue 12), each beside its baseline in this same process:
 *   - 20,000 jobs posted at once vs the same in waves of 100 (1 hop): jobs/s ratio, every run
 *   - steady cost vs bare XState doing the same shape of work (bench/lib/bare-xstate.ts), 1 hop and 10 hops
 *   - heap per live job, queued (20,000 posted, none run yet), measured after a full GC
 *   - p99 post→done at 10,000 jobs/s offered, 1 hop (latency from each job's scheduled post time)
 */
import { Flow, Routine, Runtime } from '../src/index.js';
import { bareXState } from './lib/bare-xstate.js';
import { fmt, gc, opsPerSecond, paired, printPaired } from './lib/measure.js';
import { reportRow } from './lib/report.js';

class Step extends Routine {
  constructor(last: boolean) {
    super();
    this.addSlot('input');
    if (!last) this.addEvent('output');
    this.setLogic((slotData) => {
      if (!last) this.emit('output', { value: slotData.input!.length });
    });
  }
}

function chain(name: string, length: number): Flow {
  const flow = new Flow(name);
  for (let i = 0; i < length; i++) flow.addRoutine(new Step(i === length - 1), `r${i}`);
  for (let i = 0; i + 1 < length; i++) flow.connect(`r${i}`, 'output', `r${i + 1}`, 'input');
  return flow;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

async function routilux(flow: Flow, jobs: number, batch: number): Promise<number> {
  await using runtime = new Runtime({ jobHistory: { maxEntries: 1000 } });
  runtime.exec(flow);
  const run = async (n: number) => {
    for (let i = 0; i < n; i += batch) {
      for (let j = 0; j < batch && i + j < n; j++) runtime.post(flow, 'r0', 'input', j);
      await turn();
    }
    await runtime.waitUntilAllJobsFinished();
  };
  await run(Math.min(jobs, 2000)); // warm-up
  gc();
  return await opsPerSecond(jobs, () => run(jobs));
}

async function bare(hops: number, jobs: number, batch: number): Promise<number> {
  const b = bareXState(hops);
  await b.run(Math.min(jobs, 2000), batch);
  gc();
  const result = await opsPerSecond(jobs, () => b.run(jobs, batch));
  b.stop();
  return result;
}

/** Bytes of heap per job while `jobs` jobs are live and queued (posted, no logic run yet). */
async function heapPerQueuedJob(flow: Flow, jobs: number): Promise<number> {
  await using runtime = new Runtime({ jobHistory: { maxEntries: 1000 } });
  runtime.exec(flow);
  for (let i = 0; i < 2000; i++) runtime.post(flow, 'r0', 'input', i); // warm-up
  await runtime.waitUntilAllJobsFinished();
  await turn();
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  // Posting runs no logic: activations wait in the executor until this synchronous loop yields.
  for (let i = 0; i < jobs; i++) runtime.post(flow, 'r0', 'input', i);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  await runtime.waitUntilAllJobsFinished();
  return (after - before) / jobs;
}

/** Offers `rate` jobs/s for `seconds` (after a warm-up second) and returns latencies (ms) from scheduled post to done. */
async function latencies(flow: Flow, rate: number, seconds: number): Promise<number[]> {
  await using runtime = new Runtime();
  runtime.exec(flow);
  const total = Math.round(rate * (seconds + 1));
  const warmUp = rate;
  const result: number[] = [];
  const start = performance.now();
  let posted = 0;
  await new Promise<void>((resolve) => {
    const offer = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      for (; posted < due; posted++) {
        const scheduledAt = start + (posted * 1000) / rate;
        const counted = posted >= warmUp;
        const [, job] = runtime.post(flow, 'r0', 'input', posted);
        void job.done().then(() => {
          if (counted) result.push(performance.now() - scheduledAt);
        });
      }
      if (posted < total) setTimeout(offer, 1);
      else resolve();
    };
    offer();
  });
  await runtime.waitUntilAllJobsFinished();
  await turn();
  return result;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

const JOBS = 20_000;
const TRIALS = 7;
const one = chain('one', 1);
const ten = chain('ten', 10);

console.log(`jobs/s, median of ${TRIALS} alternating runs; ratio = routilux cost / baseline cost`);

// Row: 20,000 at once vs waves of 100. Each run pairs the two; the aim holds only if every run's ratio does.
{
  const ratios: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const once = await routilux(one, JOBS, JOBS);
    const waves = await routilux(one, JOBS, 100);
    ratios.push(once / waves);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(`20,000 at once / waves of 100, jobs/s ratio per run: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
  reportRow({
    what: '20,000 jobs posted at once vs waves of 100 (1 hop, jobs/s)',
    measured: `${sorted[0]!.toFixed(2)}x worst run, ${sorted[TRIALS >> 1]!.toFixed(2)}x median`,
    aim: '>= 0.8x in every run',
    met: sorted[0]! >= 0.8,
  });
}

// Rows: steady cost vs bare XState, 1 hop and 10 hops.
{
  const a = await paired(TRIALS, () => routilux(one, JOBS, 100), () => bare(1, JOBS, 100));
  printPaired('1-routine flow', a, 'bare XState', 'jobs/s');
  const b = await paired(TRIALS, () => routilux(ten, JOBS / 2, 100), () => bare(10, JOBS / 2, 100));
  printPaired('10-routine chain', b, 'bare XState', 'jobs/s');
  reportRow({
    what: 'steady cost vs the best bare XState job actor, 1 hop / 10 hops',
    measured: `${a.ratio.toFixed(2)}x / ${b.ratio.toFixed(2)}x`,
    aim: '<= 1.3x both',
    met: a.ratio <= 1.3 && b.ratio <= 1.3,
  });
}

// Row: heap per live queued job.
{
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) samples.push(await heapPerQueuedJob(one, JOBS));
  samples.sort((x, y) => x - y);
  const kb = samples[2]! / 1024;
  console.log(`heap per queued job (1 hop, ${fmt(JOBS)} live), per run: ${samples.map((s) => `${(s / 1024).toFixed(2)} KB`).join(' ')}`);
  reportRow({ what: 'heap per live job (queued)', measured: `${kb.toFixed(2)} KB`, aim: '<= 2.5 KB', met: kb <= 2.5 });
}

// Row: p99 post→done at 10,000 jobs/s offered.
{
  const p99s: number[] = [];
  for (let i = 0; i < 3; i++) {
    const lat = await latencies(one, 10_000, 3);
    const p50 = percentile(lat, 0.5);
    const p99 = percentile(lat, 0.99);
    p99s.push(p99);
    console.log(`10,000 jobs/s offered for 3 s: ${fmt(lat.length)} jobs, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${Math.max(...lat).toFixed(1)} ms`);
  }
  p99s.sort((x, y) => x - y);
  const p99 = p99s[1]!;
  reportRow({ what: 'p99 post→done at 10,000 jobs/s offered, 1 hop', measured: `${p99.toFixed(2)} ms (median of 3 runs)`, aim: '<= 10 ms', met: p99 <= 10 });
}
