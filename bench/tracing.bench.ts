/**
 * What tracing costs per job, against a runtime without it in the same process (alternating, median of pairs).
 *   (a) `tracing: false` vs the option left out: the off path must cost nothing (aim: <= 1.02x)
 *   (b) `tracing: true` with the API's default no-op provider (the package installed, no SDK registered)
 *   (c) `tracing: true` with an SDK provider recording every span (a no-op exporter)
 *   (d) a monitor observing the runtime (runtime.observe with the monitor's hooks), no tracing
 */
import * as api from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Flow, Routine, Runtime, type RuntimeOptions } from '../src/index.js';
import { serveMonitor } from '../src/monitor/index.js';
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

const flow = new Flow('traced_chain');
for (let i = 0; i < 3; i++) flow.addRoutine(new Step(i === 2), `r${i}`);
for (let i = 0; i < 2; i++) flow.connect(`r${i}`, 'output', `r${i + 1}`, 'input');

async function jobsPerSecond(options: RuntimeOptions, jobs: number, withMonitor = false): Promise<number> {
  await using runtime = new Runtime({ jobHistory: { maxEntries: 1000 }, ...options });
  const monitor = withMonitor ? await serveMonitor(runtime) : undefined;
  runtime.exec(flow);
  const run = async (n: number) => {
    for (let i = 0; i < n; i += 100) {
      for (let j = 0; j < 100 && i + j < n; j++) runtime.post(flow, 'r0', 'input', j);
      await new Promise((r) => setImmediate(r));
    }
    await runtime.waitUntilAllJobsFinished();
  };
  await run(1000); // warm-up
  gc();
  const rate = await opsPerSecond(jobs, () => run(jobs));
  await monitor?.close();
  return rate;
}

const JOBS = 10_000;
const TRIALS = 9;
console.log(`jobs/s of a 3-routine chain, median of ${TRIALS} alternating runs; ratio = cost / baseline cost`);
printPaired('(a) tracing: false', await paired(TRIALS, () => jobsPerSecond({ tracing: false }, JOBS), () => jobsPerSecond({}, JOBS)), 'no option', 'jobs/s');
printPaired('(b) tracing: true, no SDK registered', await paired(5, () => jobsPerSecond({ tracing: true }, JOBS), () => jobsPerSecond({}, JOBS)), 'off', 'jobs/s');

const discard: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] });
api.trace.setGlobalTracerProvider(provider);
printPaired('(c) tracing: true, SDK recording spans', await paired(5, () => jobsPerSecond({ tracing: true }, JOBS), () => jobsPerSecond({}, JOBS)), 'off', 'jobs/s');
api.trace.disable();
await provider.shutdown();
printPaired('(d) monitor observing, no tracing', await paired(5, () => jobsPerSecond({}, JOBS, true), () => jobsPerSecond({}, JOBS)), 'no monitor', 'jobs/s');
