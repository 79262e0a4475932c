/**
 * Memory stays flat: 1,000,000 jobs through a 3-routine flow with a job history of 1,000, heap used after a full
 * GC printed at 100k, 500k and 1M jobs. The baseline is the heap at 100k: growth from there to 1M must stay
 * under 10 MB (finished jobs leave only a bounded record; their actors are stopped and released).
 *
 *   npm run bench -- soak        (node --expose-gc is set by bench/index.ts)
 */
import { Flow, Runtime, getCurrentJob } from '../src/index.js';
import { node } from '../test/helpers.js';
import { fmt, gc } from './lib/measure.js';
import { reportRow } from './lib/report.js';

const TOTAL = Number(process.env.SOAK_JOBS ?? 1_000_000);
const CHECKPOINTS = [TOTAL / 10, TOTAL / 2, TOTAL];
const IN_FLIGHT = 2_000;

const flow = new Flow('soak')
  .addRoutine(node(['in'], ['out'], (data, _m, _ws, ctx) => ctx.emit('out', { n: data.in![0] })), 'parse')
  .addRoutine(
    node(['in'], ['out'], (data, _m, ws, ctx) => {
      ws.updateRoutineState<{ seen?: number }>('enrich', (d) => {
        d.seen = (d.seen ?? 0) + 1;
      });
      getCurrentJob()!.setData('n', (data.in as { n: number }[])[0]!.n);
      ctx.emit('out', { ok: true });
    }),
    'enrich',
  )
  .addRoutine(node(['in'], [], () => getCurrentJob()!.trace('store', 'stored')), 'store');
flow.connect('parse', 'out', 'enrich', 'in');
flow.connect('enrich', 'out', 'store', 'in');

const runtime = new Runtime({ jobHistory: { maxEntries: 1000 } });
const ws = runtime.exec(flow);
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

console.log(`${fmt(TOTAL)} jobs through a 3-routine flow, history bounded to 1,000 records`);
const start = performance.now();
let posted = 0;
const readings: number[] = [];
for (const checkpoint of CHECKPOINTS) {
  while (posted < checkpoint) {
    const batch = Math.min(IN_FLIGHT, checkpoint - posted);
    for (let i = 0; i < batch; i++) runtime.post(flow, 'parse', 'in', posted++);
    await runtime.waitUntilAllJobsFinished();
  }
  const heap = heapMb();
  readings.push(heap);
  const rate = posted / ((performance.now() - start) / 1000);
  console.log(`after ${fmt(posted).padStart(9)} jobs: heap used ${heap.toFixed(1).padStart(6)} MB   (${fmt(rate)} jobs/s so far, ${runtime.listJobs().length} records kept)`);
}
const growth = readings.at(-1)! - readings[0]!;
reportRow({
  what: `${fmt(TOTAL)}-job soak: heap growth ${fmt(CHECKPOINTS[0]!)} → ${fmt(TOTAL)}`,
  measured: `${growth.toFixed(1)} MB`,
  aim: '< 10 MB',
  met: growth < 10,
});
console.log(`worker state counted ${fmt(ws.getRoutineState<{ seen: number }>('enrich')!.seen)} jobs`);
await runtime.shutdown();
