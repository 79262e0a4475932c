import { Flow, FlowRegistry, Routine, getCurrentJob } from '../../src/index.js';

/** Registers `monitor_demo`: `start.in` → `finish.in`; metadata `{ hold: true }` keeps a job running until cancelled. */
export function registerDemoFlow(name = 'monitor_demo'): Flow {
  const start = new Routine()
    .setType('Start')
    .addSlot('in')
    .addEvent('out', ['value'])
    .setLogic(async function (this: Routine, slots, _message, worker) {
      const job = getCurrentJob()!;
      worker.updateRoutineState('start', (d: { seen?: number }) => {
        d.seen = (d.seen ?? 0) + 1;
      });
      job.setData('input', (slots.in as unknown[])[0]);
      job.log('started', job.jobId);
      if (job.metadata.hold) {
        await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
        return;
      }
      if (job.metadata.fail) throw new Error(`asked to fail: ${String(job.metadata.fail)}`);
      this.emit('out', { value: (slots.in as unknown[])[0] });
    });
  const finish = new Routine().setType('Finish').addSlot('in').setLogic(() => {
    getCurrentJob()!.setData('finished', true);
  });
  const flow = new Flow(name);
  flow.addRoutine(start, 'start').addRoutine(finish, 'finish').connect('start', 'out', 'finish', 'in');
  FlowRegistry.getInstance().register(flow);
  return flow;
}

/** Polls `check` every 20 ms until it returns a truthy value, up to `timeout` ms. */
export async function eventually<T>(check: () => T | Promise<T>, timeout = 5000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
