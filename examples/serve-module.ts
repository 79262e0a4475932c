/**
 * A module for `routilux serve`: it exports the flows to run and a `setup(runtime)` that posts a few jobs, so
 * the monitor has something to show.
 *
 *   npx tsx src/cli/index.ts serve examples/serve-module.ts --port 7370
 *   (an installed package: npx routilux serve ./my-flows.js)
 */
import { Flow, Routine, getCurrentJob, type Runtime } from '../src/index.js';

const greet = new Routine()
  .setType('Greet')
  .addSlot('name')
  .addEvent('greeted', ['text'])
  .setLogic(function (this: Routine, slots) {
    for (const name of slots.name as string[]) {
      getCurrentJob()?.log(`greeting ${name}`);
      this.emit('greeted', { text: `hello, ${name}` });
    }
  });

const shout = new Routine()
  .setType('Shout')
  .addSlot('text')
  .setLogic((slots) => {
    const [first] = slots.text as { text: string }[];
    getCurrentJob()?.setData('shouted', first!.text.toUpperCase());
  });

const greeting = new Flow('greeting');
greeting.addRoutine(greet, 'greet').addRoutine(shout, 'shout').connect('greet', 'greeted', 'shout', 'text');

/** The flows `routilux serve` registers. */
export const flows = [greeting];

/**
 * Called once the runtime and the monitor run. The worker gets a stable id, so with `--store` it is the same
 * worker (restored, its unfinished jobs resumed) after a restart.
 */
export async function setup(runtime: Runtime): Promise<void> {
  const worker = runtime.exec('greeting', { workerId: 'greeting-1' });
  await worker.ready();
  for (const name of ['ada', 'grace', 'linus']) runtime.post('greeting', 'greet', 'name', name, { workerId: 'greeting-1', metadata: { user: name } });
}
