/**
 * Durable workers and jobs (README "Durable workers and jobs"): a first process posts orders to a worker kept in
 * an embedded SQLite file and kills itself (SIGKILL, as a crash) while they are being processed; a second run on
 * the same file execs the same worker, which resumes every accepted order. Re-posting an order with the same
 * idempotency key starts nothing. The total counts every order exactly once.
 *
 *   npx tsx examples/durable-orders.ts            (a temporary SQLite file; pass a path to keep it)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Flow, Routine, Runtime, SqliteStore } from '../src/index.js';

interface Order {
  id: string;
  amount: number;
}

/** intake (async: calls a "payment API") -> ledger (adds the amount to a total in WorkerState). */
export function ordersFlow(): Flow {
  const intake = new Routine<{ order: Order }, { paid: Order }>()
    .addSlot('order')
    .addEvent('paid')
    .setLogic(async (slots, _message, _ws, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 20)); // the external call: pass ctx.idempotencyKey to it
      ctx.emit('paid', slots.order[0]!);
    });
  const ledger = new Routine<{ paid: Order }>().addSlot('paid').setLogic((slots, _message, ws) => {
    const order = slots.paid[0]!;
    ws.updateRoutineState<{ total: number; orders: number }>('ledger', (draft) => {
      draft.total = (draft.total ?? 0) + order.amount;
      draft.orders = (draft.orders ?? 0) + 1;
    });
  });
  return new Flow('orders').addRoutine(intake, 'intake').addRoutine(ledger, 'ledger').connect('intake', 'paid', 'ledger', 'paid');
}

const ORDERS: Order[] = Array.from({ length: 10 }, (_, i) => ({ id: `order-${i + 1}`, amount: 10 * (i + 1) }));

/** The first process: posts every order, and crashes once all are accepted (durable), before they are done. */
async function crashingProcess(path: string): Promise<void> {
  const runtime = new Runtime({ store: new SqliteStore({ path }) });
  const flow = ordersFlow();
  const ws = runtime.exec(flow, { workerId: 'orders-1' });
  await ws.ready();
  const jobs = ORDERS.map((order) => runtime.post(flow, 'intake', 'order', order, { workerId: 'orders-1', idempotencyKey: order.id })[1]);
  await Promise.all(jobs.map((job) => job.accepted())); // from here on the orders survive a crash
  process.stdout.write(`accepted ${jobs.length}\n`);
  process.kill(process.pid, 'SIGKILL');
}

async function main(path: string): Promise<void> {
  console.log(`Orders are kept in the SQLite file of this run; worker "orders-1" runs flow "orders".`);
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--crash', path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, s) => resolve(s)));
  console.log(`First process: ${out.trim()} orders, then it was killed (${signal}) before finishing them.`);

  const store = new SqliteStore({ path });
  const runtime = new Runtime({ store });
  const flow = ordersFlow();
  const ws = runtime.exec(flow, { workerId: 'orders-1' }); // restores orders-1 from the store
  await ws.ready(); // restored and running: its unfinished jobs resume
  // Posting the same orders again (e.g. a client retrying) returns the existing jobs: nothing starts twice.
  const jobs = ORDERS.map((order) => runtime.post(flow, 'intake', 'order', order, { workerId: 'orders-1', idempotencyKey: order.id })[1]);
  await Promise.all(jobs.map((job) => job.done())); // each resolves once its end is durable
  const statuses = new Set(jobs.map((job) => job.status));
  console.log(`Second process: all ${jobs.length} orders ${[...statuses].join(', ')}.`);
  console.log(`Ledger: ${JSON.stringify(ws.getRoutineState('ledger'))} (expected total ${ORDERS.reduce((sum, o) => sum + o.amount, 0)}, each order once).`);
  await runtime.shutdown();
  await store.close();
}

if (process.argv[2] === '--crash') await crashingProcess(process.argv[3]!);
else {
  const dir = process.argv[2] ? undefined : mkdtempSync(join(tmpdir(), 'routilux-orders-'));
  try {
    await main(process.argv[2] ?? join(dir!, 'orders.db'));
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
