import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';

const run = promisify(execFile);

describe('examples/inspect-and-export.ts', () => {
  it('prints the exported machines, the flow as Mermaid and the story of one job', async () => {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'examples/inspect-and-export.ts'], { cwd: process.cwd(), timeout: 60_000 });
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'Machines for the Stately editor (npm run machines:export; import one as createMachine(<file contents>)):',
        '  machines/runtime.machine.json',
        '    states: running, shutDown (final)',
        '    events: xstate.error.actor.*, shutdown',
        '  machines/worker.machine.json',
        '    states: starting, standby, handingOver, running, paused, stopping, stopped (final)',
        '    events: state.update, host, stop, jobs.drained, job.post, pause, demote, resume',
        '  machines/job.machine.json',
        '    states: running, completed (final), failed (final), cancelled (final), timedOut (final)',
        '    events: job.cancel, job.timeout, job.fail, job.idle, slot.enqueue, routine.done, timer.fire',
        '',
        'The flow as Mermaid (flow.toMermaid(); paste into a ```mermaid block):',
        'flowchart LR',
        '  %% flow "orders"',
        '  r0["validate (Validate)<br/>slots: order<br/>events: valid"]',
        '  r1["price (Price)<br/>slots: order<br/>events: priced"]',
        '  r2["notify (Notify)<br/>slots: order"]',
        '  r0 -->|"valid → order"| r1',
        '  r1 -->|"priced → order"| r2',
        '',
        'Job "order-1" as the inspector sees it (actor <- event, and each new state):',
        '  runtime       <- xstate.init',
        '  runtime          is "running"',
        '  orders-worker <- xstate.init (from runtime)',
        '  orders-worker    is "running"',
        '  jobs          <- xstate.init (from orders-worker)',
        '  jobs             is active',
        '  orders-worker <- job.post order-1',
        '  order-1       <- xstate.init (from jobs)',
        '  order-1          is "running"',
        '  order-1       <- routine.done validate (attempt 1)',
        '  orders-worker <- state.update price',
        '  order-1       <- slot.enqueue -> notify.order',
        '  order-1       <- routine.done notify (attempt 1)',
        '  order-1       <- routine.done price (attempt 1)',
        '  jobs          <- xstate.done.actor.order-1 (from order-1)',
        '  order-1          is "completed" (done)',
        '  orders-worker <- stop',
        '  runtime       <- xstate.done.actor.orders-worker (from orders-worker)',
        '  orders-worker    is "stopped" (done)',
        '  runtime       <- shutdown',
        '  runtime          is "shutDown" (done)',
        '',
        'The job completed; notified "A-1"; worker state {"price":{"revenue":50}}.',
        '',
        'Watch a runtime live in the Stately inspector (npm install --save-dev @statelyai/inspect):',
        '  browser app: new Runtime({ inspect: createBrowserInspector().inspect })',
        `  Node:        createInspectorServer(); new Runtime({ inspect: createWebSocketInspector({ url: 'ws://localhost:8080' }).inspect })`,
        `  or:          new Runtime({ inspect: (await createInspector('websocket')).inspect })`,
        '',
      ].join('\n'),
    );
  });

  it('runs only when executed: importing it gives its flow and prints nothing', async () => {
    const log = vi.spyOn(console, 'log');
    try {
      const example = await import('../../examples/inspect-and-export.js');
      expect(log).not.toHaveBeenCalled();
      const flow = example.ordersFlow();
      expect([...flow.routines.keys()]).toEqual(['validate', 'price', 'notify']);
      expect(flow.connections).toEqual([
        { from: 'validate', event: 'valid', to: 'price', slot: 'order' },
        { from: 'price', event: 'priced', to: 'notify', slot: 'order' },
      ]);
    } finally {
      log.mockRestore();
    }
  });
});
