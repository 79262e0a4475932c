/**
 * Jobs per second through routilux beside bare XState doing the same shape of work in the same process.
 *   (a) a 1-routine flow          vs a child actor taking 1 event
 *   (b) a 10-routine chain        vs a child actor taking 10 events
 *   (c) posting 10,000 jobs at once vs 100 at a time (the cost per job must not grow with live jobs)
 */
import { Flow, Routine, Runtime } from '../src/index.js';
import { bareXState } from './lib/bare-xstate.js';
import { gc, median, opsPerSecond, printRatio } from './lib/measure.js';

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
const TRIALS = 5;
const one = chain('one', 1);
const ten = chain('ten', 10);

console.log(`jobs/s, median of ${TRIALS}; ratio = routilux cost / bare XState cost (aim: <= 2x)`);
const oneOurs = await median(TRIALS, () => routilux(one, JOBS, 100));
const oneBare = await median(TRIALS, () => bare(1, JOBS, 100));
printRatio('(a) 1-routine flow', oneOurs, oneBare, 'bare XState', 'jobs/s');
const tenOurs = await median(TRIALS, () => routilux(ten, JOBS / 2, 100));
const tenBare = await median(TRIALS, () => bare(10, JOBS / 2, 100));
printRatio('(b) 10-routine chain', tenOurs, tenBare, 'bare XState', 'jobs/s');

const at100 = await median(TRIALS, () => routilux(one, JOBS, 100));
const at10k = await median(TRIALS, () => routilux(one, JOBS, 10_000));
printRatio('(c) 10,000 posted at once (1 routine)', at10k, at100, '100 at a time', 'jobs/s');
const bare10k = await median(TRIALS, () => bare(1, JOBS, 10_000));
printRatio('    bare XState, 10,000 at once', bare10k, oneBare, '100 at a time', 'jobs/s');
