/**
 * Request chain data, from the Routilux docs: an auth routine puts the user into the JobContext, a business
 * routine reads it. Two requests run at the same time and never see each other's user.
 *
 *   npx tsx examples/request-chain.ts
 */
import { pathToFileURL } from 'node:url';
import { Flow, Routine, Runtime, getCurrentJob } from '../src/index.js';

const USERS: Record<string, { userId: string; permissions: string[] }> = {
  'token-alice': { userId: 'alice', permissions: ['read', 'admin'] },
  'token-bob': { userId: 'bob', permissions: ['read'] },
};

export class Auth extends Routine<{ request: { token: string; delayMs?: number } }, { authorized: { action: string } }> {
  constructor() {
    super();
    this.addSlot('request');
    this.addEvent('authorized', ['action']);
    this.setLogic(async (slotData) => {
      const { token, delayMs = 0 } = slotData.request[0]!;
      await new Promise((resolve) => setTimeout(resolve, delayMs)); // a slow token check: the requests overlap here
      const user = USERS[token];
      if (!user) throw new Error('invalid token');
      const job = getCurrentJob()!;
      job.setData('userId', user.userId);
      job.setData('permissions', user.permissions);
      job.trace('auth', 'authenticated', { userId: user.userId });
      this.emit('authorized', { action: 'delete-report' });
    });
  }
}

export class Business extends Routine<{ input: { action: string } }> {
  constructor() {
    super();
    this.addSlot('input');
    this.setLogic(async (slotData) => {
      await Promise.resolve();
      const job = getCurrentJob()!;
      const userId = job.getData<string>('userId');
      const permissions = job.getData<string[]>('permissions', []);
      const { action } = slotData.input[0]!;
      const allowed = permissions.includes('admin');
      job.setData('outcome', `${userId} ${allowed ? 'may' : 'may not'} ${action}`);
    });
  }
}

export function requestChainFlow(): Flow {
  return new Flow('request_chain').addRoutine(new Auth(), 'auth').addRoutine(new Business(), 'business').connect('auth', 'authorized', 'business', 'input');
}

export async function main(): Promise<void> {
  const flow = requestChainFlow();
  await using runtime = new Runtime();
  // Alice's token check is slower, so Bob's request overtakes hers: the two jobs interleave.
  const [, alice] = runtime.post(flow, 'auth', 'request', { token: 'token-alice', delayMs: 30 }, { metadata: { requestId: 'req-1' } });
  const [, bob] = runtime.post(flow, 'auth', 'request', { token: 'token-bob', delayMs: 5 }, { metadata: { requestId: 'req-2' } });
  const order: string[] = [];
  await Promise.all([alice.done().then(() => order.push('req-1')), bob.done().then(() => order.push('req-2'))]);

  console.log(`finished in this order: ${order.join(', ')}`);
  for (const job of [alice, bob]) {
    console.log(`${String(job.metadata.requestId)}: ${job.status}, userId=${job.getData<string>('userId')}, ${job.getData<string>('outcome')}`);
  }
  console.log(`each request saw only its own user: ${alice.getData('userId') === 'alice' && bob.getData('userId') === 'bob'}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
