import { Flow, Runtime } from './src/index.js';
import { node } from './test/helpers.js';
const runtime = new Runtime();
const ws = runtime.exec(new Flow('p').addRoutine(node(['in'], [], () => {}), 'r'));
const inc = (d: { n?: number }) => void (d.n = (d.n ?? 0) + 1);
for (let k = 0; k < 5; k++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < 200_000; i++) ws.updateRoutineState<{ n?: number }>('c', inc);
  console.log(Math.round(200_000 / (Number(process.hrtime.bigint() - t) / 1e9)), 'updates/s');
}
await runtime.shutdown();
