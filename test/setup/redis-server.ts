/**
 * Starts a real redis-server (the Debian package) for the tests on a free loopback port and stops it afterwards.
 * Tests read the URL with `inject('redisUrl')`. When redis-server is missing or does not start, `redisUrl` is null
 * and `redisError` says why: under CI the Redis tests then fail; elsewhere they are skipped with a loud message.
 * `startRedisServer` is also used by the fault tests (their own server, which they stop and restart) and the bench.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string | null;
    redisError: string | null;
  }
}

export interface RedisServerOptions {
  /** Port to listen on; default: a free one. Restart a stopped server on its old port to test reconnection. */
  readonly port?: number;
  /** Data directory. With `persistent`, the append-only file lives here, so a restart keeps acknowledged writes. */
  readonly dir?: string;
  /** appendonly yes + appendfsync always: every acknowledged write is on disk before Redis replies. */
  readonly persistent?: boolean;
  /** Start without the KEYS command, so any use of it fails (the stores must only SCAN). */
  readonly withoutKeysCommand?: boolean;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, or the signal given, e.g. SIGKILL for a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function startOnce(port: number, options: RedisServerOptions): Promise<RedisServer> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'no', '--loglevel', 'warning'];
  if (options.withoutKeysCommand) args.push('--rename-command', 'KEYS', '');
  if (options.dir) args.push('--dir', options.dir);
  if (options.persistent) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  else args.push('--appendonly', 'no');
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (error) => {
      output += String(error);
      exited = true;
      resolve();
    });
  });
  // If this process ends without stop() (a crash, a closed pipe), the server must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exit.then(() => process.off('exit', killOnExit));
  const started = Date.now();
  while (!(await ping(port))) {
    if (exited) throw new Error(`redis-server exited at start: ${output.trim() || 'no output'}`);
    if (Date.now() - started > 10_000) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer PING within 10 s: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    async stop(signal = 'SIGTERM') {
      if (exited) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options.port ?? (await freePort()), options);
    } catch (error) {
      lastError = error;
      if (options.port !== undefined) break; // a fixed port: no point in retrying another
    }
  }
  throw lastError;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: RedisServer | undefined;
  try {
    server = await startRedisServer();
    project.provide('redisUrl', server.url);
    project.provide('redisError', null);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    project.provide('redisUrl', null);
    project.provide('redisError', reason);
    console.warn(
      `\n${'!'.repeat(78)}\n!! redis-server could not be started (${reason}).\n` +
        `!! The Redis store tests ${process.env.CI ? 'will FAIL (CI is set)' : 'are SKIPPED'}. Install it: apt-get install redis-server\n${'!'.repeat(78)}\n`,
    );
  }
  return async () => {
    await server?.stop();
  };
}
