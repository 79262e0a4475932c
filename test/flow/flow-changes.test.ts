import { afterEach, describe, expect, it } from 'vitest';
import { Flow, Runtime } from '../../src/index.js';
import { node, sleep } from '../helpers.js';

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown({ timeout: 1000 });
  runtime = undefined;
});

describe('changing a flow after it ran', () => {
  it('workers started after setJobTimeout use the new timeout; running workers keep theirs', async () => {
    runtime = new Runtime();
    const flow = new Flow('slow').addRoutine(node(['in'], [], () => sleep(150)), 'a');
    const early = runtime.exec(flow);
    flow.setJobTimeout(20);
    const late = runtime.exec(flow);
    const [, lateJob] = runtime.post(flow, 'a', 'in', 1, { workerId: late.workerId });
    const [, earlyJob] = runtime.post(flow, 'a', 'in', 1, { workerId: early.workerId });
    await Promise.all([lateJob.done(), earlyJob.done()]);
    expect(lateJob.status).toBe('timedOut');
    expect(earlyJob.status).toBe('completed');
  });
});
