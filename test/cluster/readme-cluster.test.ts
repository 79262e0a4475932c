/**
 * The README's "Several processes" example runs as written in two node processes on one Redis (its own server):
 * each posts the same order with the same idempotency key, both see it completed, and a SIGTERM makes each leave
 * gracefully (shutdown releases the lease).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { readmeSnippets } from '../helpers.js';
import { redisBackend } from '../durable/backends.js';
import { startRedisServer } from '../setup/redis-server.js';

it.skipIf(!redisBackend())('the cluster example completes the order from two nodes, and both leave on SIGTERM', async () => {
  const code = readmeSnippets('## Several processes')[0]!;
  const source = code.replace("from 'routilux'", `from ${JSON.stringify(join(process.cwd(), 'src/index.js'))}`);
  expect(source).not.toBe(code);
  const dir = mkdtempSync(join(process.cwd(), 'test', '.readme-cluster-'));
  const server = await startRedisServer();
  const admin = new Redis(server.url);
  try {
    const file = join(dir, 'node.mts');
    writeFileSync(file, source);
    const nodes = ['node-a', 'node-b'].map((nodeId) => {
      const child = spawn(process.execPath, ['--import', 'tsx', file], { env: { ...process.env, REDIS_URL: server.url, NODE_ID: nodeId }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { child, exited, output: () => out };
    });
    const deadline = Date.now() + 30_000;
    while (!nodes.every((n) => n.output().includes('completed')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(nodes.map((n) => n.output().trim())).toEqual(['completed', 'completed']);
    expect(await admin.get('routilux:{orders-1}:lease')).toMatch(/^node-[ab]\|\d+$/);
    for (const n of nodes) n.child.kill('SIGTERM');
    expect(await Promise.all(nodes.map((n) => n.exited))).toEqual([0, 0]);
    expect(await admin.get('routilux:{orders-1}:lease')).toBeNull();
  } finally {
    await admin.quit();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
