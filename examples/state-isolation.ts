/**
 * State isolation, from the Routilux docs: what each routine, each job and the worker can see.
 * Three counting routines (a → b connected), three jobs with their own `job_identifier` metadata.
 *
 *   npx tsx examples/state-isolation.ts
 */
import { pathToFileURL } from 'node:url';
import { Flow, FlowRegistry, Routine, Runtime, getCurrentJob, type JobContext } from '../src/index.js';

interface Meta {
  total_jobs?: number;
}

export class StateDemoRoutine extends Routine<{ input: unknown }, { output: { routine: string; count: number; jobData: string } }> {
  constructor(name: string) {
    super();
    this.addSlot('input');
    this.addEvent('output', ['routine', 'count', 'jobData']);
    this.setConfig({ routineName: name });
    this.setLogic((_slotData, _policyMessage, workerState) => {
      const routineName = this.getConfig<string>('routineName');
      const job = getCurrentJob()!;

      // 1. This routine's own state: a recipe, so concurrent jobs can never lose a count.
      const { count } = workerState.updateRoutineState<{ count: number }>(routineName, (draft) => {
        draft.count = (draft.count ?? 0) + 1;
      });

      // 2. Job data: this job's identifier, from its own metadata.
      const jobData = String(job.metadata.job_identifier ?? 'not_set');
      job.setData(`processed_by_${routineName}`, true);

      // 3. Shared worker state under _meta: count each job once.
      if (!job.getData('counted')) {
        workerState.updateRoutineState<Meta>('_meta', (draft) => {
          draft.total_jobs = (draft.total_jobs ?? 0) + 1;
        });
        job.setData('counted', true);
      }
      const total = workerState.getRoutineState<Meta>('_meta')?.total_jobs ?? 0;
      console.log(`[${routineName}] routine_count=${count}, job_data=${jobData}, worker_total_jobs=${total}`);
      this.emit('output', { routine: routineName, count, jobData });
    });
  }
}

export function stateIsolationFlow(): Flow {
  return new Flow('isolation_demo')
    .addRoutine(new StateDemoRoutine('routine_a'), 'routine_a')
    .addRoutine(new StateDemoRoutine('routine_b'), 'routine_b')
    .addRoutine(new StateDemoRoutine('routine_c'), 'routine_c')
    .connect('routine_a', 'output', 'routine_b', 'input');
}

export async function main(): Promise<void> {
  FlowRegistry.getInstance().registerByName('isolation_demo', stateIsolationFlow());
  await using runtime = new Runtime({ concurrency: 3 });
  const workerState = runtime.exec('isolation_demo');
  const jobs: JobContext[] = [];

  for (const [title, entry, id] of [
    ['Job 1: chain A -> B', 'routine_a', 'job_1'],
    ['Job 2: routine B', 'routine_b', 'job_2'],
    ['Job 3: routine C', 'routine_c', 'job_3'],
  ] as const) {
    console.log(`=== ${title} ===`);
    const [, job] = runtime.post('isolation_demo', entry, 'input', {}, { metadata: { job_identifier: id } });
    await job.done();
    jobs.push(job);
    console.log('');
  }

  console.log('=== Final WorkerState ===');
  for (const [routineId, state] of Object.entries(workerState.routineStates)) console.log(`  ${routineId}: ${JSON.stringify(state)}`);

  console.log('\n=== Each job sees only its own data ===');
  for (const job of jobs) console.log(`  ${String(job.metadata.job_identifier)}: ${Object.keys(job.data).join(', ')}`);
  const [job1, job2] = jobs as [JobContext, JobContext];
  console.log(`  job_2 sees job_1's "processed_by_routine_a"? ${job2.hasData('processed_by_routine_a')}`);
  console.log(`  job_1 sees it? ${job1.hasData('processed_by_routine_a')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
