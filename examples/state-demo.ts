/**
 * The cache example from the Routilux docs: a worker keeps a cache in its WorkerState, shared by every job it
 * runs; each job keeps its own result in its JobContext.
 *
 *   npx tsx examples/state-demo.ts
 */
import { pathToFileURL } from 'node:url';
import { Flow, FlowRegistry, Routine, Runtime, getCurrentJob } from '../src/index.js';

interface ProcessorState {
  cache?: Record<string, string>;
  cacheHits?: number;
  cacheMisses?: number;
}

export class DataProcessor extends Routine<{ input: { key: string } }, { output: { result: string } }> {
  constructor() {
    super();
    this.addSlot('input');
    this.addEvent('output', ['result']);
    this.setLogic((slotData, _policyMessage, workerState) => {
      const { key } = slotData.input[0]!;
      // WorkerState: shared by every job of this worker, changed only through updateRoutineState.
      const cached = workerState.getRoutineState<ProcessorState>('processor')?.cache?.[key];
      let result: string;
      if (cached !== undefined) {
        console.log(`[WorkerState] Cache HIT: ${key}`);
        result = cached;
        workerState.updateRoutineState<ProcessorState>('processor', (draft) => {
          draft.cacheHits = (draft.cacheHits ?? 0) + 1;
        });
      } else {
        console.log(`[WorkerState] Cache MISS: ${key}`);
        result = `processed_${key}`;
        workerState.updateRoutineState<ProcessorState>('processor', (draft) => {
          (draft.cache ??= {})[key] = result;
          draft.cacheMisses = (draft.cacheMisses ?? 0) + 1;
        });
      }
      // JobContext: this job's own data, invisible to the other jobs.
      const job = getCurrentJob()!;
      job.setData('processedKey', key);
      job.setData('result', result);
      job.setData('cacheHit', cached !== undefined);
      this.emit('output', { result });
    });
  }
}

export function stateDemoFlow(): Flow {
  return new Flow('state_demo').addRoutine(new DataProcessor(), 'processor');
}

export async function main(): Promise<void> {
  FlowRegistry.getInstance().registerByName('state_demo', stateDemoFlow());
  await using runtime = new Runtime();
  const workerState = runtime.exec('state_demo');
  console.log('A worker is running flow "state_demo". Its WorkerState starts empty.');
  console.log('Posting three jobs, one after another: keys "test", "test", "other".\n');

  for (const [n, key] of [[1, 'test'], [2, 'test'], [3, 'other']] as const) {
    const [, job] = runtime.post('state_demo', 'processor', 'input', { key });
    await job.done();
    const how = job.getData('cacheHit') ? 'found it in the cache' : 'computed it and cached it';
    console.log(`  job ${n} (key "${key}") ${job.status}: ${how} -> ${String(job.getData('result'))}`);
  }

  await runtime.waitUntilAllJobsFinished({ timeout: 5000 });
  console.log('\nThe worker state after the three jobs (shared, survives each job):');
  console.log(`  ${JSON.stringify(workerState.getRoutineState('processor'))}`);
  console.log('Each job kept its own data (JobContext), and the jobs ended by themselves when nothing was left to do.');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
