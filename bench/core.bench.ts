/**
 * Jobs per second through routilux beside bare XState doing the same shape of work in the same process.
 *   (a) a 1-routine flow          vs a child actor taking 1 event
 *   (b) a 10-routine chain        vs a child actor taking 10 events
 *   (c) posting 10,000 jobs at once vs 100 at a time (the cost per job must not grow with live jobs)
 */
import { Flow, Routine, Runtime } from '../src/index.js';
import { bareXState } from './lib/bare-xstate.js';
import { gc, opsPerSecond, paired, printPaired } from './lib/measure.js';

class Step extends Routine {
  constructor(last: boolean) {
    super();
    this.addSlot('input');
    this.addEvent('output');
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

async function routilux(flow: Flow, jobs: number, batch: number): Promise<number> {
  await using runtime = new Runtime({ jobHistory: { maxEntries: 1000 } });
  runtime.exec(flow);
  const run = async (n: number) => {
    for (let i = 0; i < n; i += batch) {
      for (let j = 0; j < batch && i + j < n; j++) runtime.post(flow, 'r0', 'input', j);
      await new Promise((r) => setImmediate(r));
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

const JOBS = 20_000;
const TRIALS = 7;
const one = chain('one', 1);
const ten = chain('ten', 10);

console.log(`jobs/s, median of ${TRIALS} alternating runs; ratio = routilux cost / baseline cost (aim: <= 2x against bare XState)`);
printPaired('(a) 1-routine flow', await paired(TRIALS, () => routilux(one, JOBS, 100), () => bare(1, JOBS, 100)), 'bare XState', 'jobs/s');
printPaired('(b) 10-routine chain', await paired(TRIALS, () => routilux(ten, JOBS / 2, 100), () => bare(10, JOBS / 2, 100)), 'bare XState', 'jobs/s');
printPaired(
  '(c) 10,000 posted at once (1 routine)',
  await paired(TRIALS, () => routilux(one, JOBS, 10_000), () => routilux(one, JOBS, 100)),
  '100 at a time',
  'jobs/s',
);
printPaired('    bare XState, 10,000 at once', await paired(TRIALS, () => bare(1, JOBS, 10_000), () => bare(1, JOBS, 100)), '100 at a time', 'jobs/s');
