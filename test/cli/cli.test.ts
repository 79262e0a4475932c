import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';

// Child processes, a browser and 10,000-job histories: slower than a unit test on a busy 2-core CI machine.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });
import { brokenDefinition, goodDefinition, warningDefinition } from './fixtures/make-definitions.js';

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `routilux <args>` the way a user would, from source through tsx (no build needed). */
function routilux(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { cwd: process.cwd(), env: { ...process.env, ROUTILUX_MONITOR_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

let dir: string;
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'routilux-cli-'));
});

describe('routilux --help and bad arguments', () => {
  it('prints usage with --help and exits 0', async () => {
    const result = await routilux(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: routilux <command>');
    for (const command of ['validate <flow.json>', 'diagram <flow.json>', 'serve <module>', '--port', '--store']) expect(result.stdout).toContain(command);
  });

  it.each([
    [[], /no command given/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['validate'], /"validate" needs <flow.json>/],
    [['validate', 'a.json', 'b.json'], /takes one <flow.json>, got 2/],
    [['validate', '--bogus', 'a.json'], /Unknown option '--bogus'/],
    [['diagram', 'a.json', '--port', '80'], /--port is an option of "serve"/],
    [['serve', 'examples/serve-module.ts', '--port', 'eighty'], /--port must be a whole number/],
    [['validate', '/no/such/flow.json'], /cannot read "\/no\/such\/flow.json": no such file/],
    [['serve', 'examples/serve-module.ts', '--store', 'ftp://nope'], /--store "ftp:\/\/nope" is not a store URL/],
  ])('%j: a clear message and exit 2', async (args, message) => {
    const result = await routilux(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('routilux --help');
  });
});

describe('routilux validate', () => {
  it('exits 0 on a good flow, saying so (its entry slot is the one warning)', async () => {
    const result = await routilux(['validate', file('good.json', goodDefinition())]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('warning UNCONNECTED_SLOT: Slot "fetch.in" has no incoming connection: it only receives posted data.\n');
    expect(result.stderr).toMatch(/flow "orders", 2 routines, 1 connections: 0 errors, 1 warnings/);
  });

  it('prints warnings and still exits 0', async () => {
    const result = await routilux(['validate', file('warn.json', warningDefinition())]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^warning UNCONNECTED_EVENT: Event "fetch.ignored" is connected to nothing/m);
  });

  it('prints the error and exits 1 on a broken definition', async () => {
    const result = await routilux(['validate', file('broken.json', brokenDefinition())]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^error ROUTINE_NOT_FOUND: .*"nowhere"/m);
  });

  it('exits 1 on a file that is not JSON or not a definition', async () => {
    const notJson = await routilux(['validate', file('not.json', '{ nope')]);
    expect(notJson.code).toBe(1);
    expect(notJson.stdout).toMatch(/^error NOT_JSON: /m);
    const wrongVersion = await routilux(['validate', file('v9.json', { ...goodDefinition(), version: 9 })]);
    expect(wrongVersion.code).toBe(1);
    expect(wrongVersion.stdout).toMatch(/^error FLOW_DEFINITION_VERSION: /m);
  });
});

describe('routilux diagram', () => {
  it('prints the Mermaid flowchart of the definition', async () => {
    const result = await routilux(['diagram', file('good.json', goodDefinition())]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^flowchart LR\n/);
    expect(result.stdout).toContain('r0["fetch (Fetch)<br/>slots: in<br/>events: fetched"]');
    expect(result.stdout).toContain('r0 -->|"fetched → in"| r1');
  });

  it('exits 1 on a broken definition', async () => {
    const result = await routilux(['diagram', file('broken.json', brokenDefinition())]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error ROUTINE_NOT_FOUND/);
  });
});

describe('routilux serve', () => {
  it('runs the module with the monitor and shuts down cleanly on SIGTERM', async () => {
    let monitorUrl: string | undefined;
    let checked: Promise<void> | undefined;
    const result = await routilux(['serve', 'examples/serve-module.ts', '--port', '0', '--store', 'memory'], (stderr, child) => {
      const match = /monitor at (http:\S+)/.exec(stderr);
      if (!match || checked) return;
      monitorUrl = match[1]!;
      checked = (async () => {
        try {
          const flows = (await (await fetch(new URL('/api/flows', monitorUrl))).json()) as { name: string }[];
          expect(flows.map((f) => f.name)).toEqual(['greeting']);
          for (let i = 0; i < 100; i++) {
            const jobs = (await (await fetch(new URL('/api/jobs?status=completed', monitorUrl))).json()) as unknown[];
            if (jobs.length === 3) break;
            await new Promise((r) => setTimeout(r, 50));
          }
          const jobs = (await (await fetch(new URL('/api/jobs?q=grace', monitorUrl))).json()) as { jobId: string; status: string }[];
          expect(jobs).toHaveLength(1);
          const job = (await (await fetch(new URL(`/api/jobs/${jobs[0]!.jobId}`, monitorUrl))).json()) as { data: unknown };
          expect(job.data).toEqual({ shouted: 'HELLO, GRACE' });
        } finally {
          child.kill('SIGTERM');
        }
      })();
    });
    await checked;
    expect(monitorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(result.stderr).toContain('serving "greeting"');
    expect(result.stderr).toContain('SIGTERM, shutting down');
    expect(result.stderr).toContain('routilux: stopped');
    expect(result.code).toBe(0);
    await expect(fetch(new URL('/api/flows', monitorUrl))).rejects.toThrow();
  });

  it('shuts down cleanly on SIGINT (Ctrl-C) too', async () => {
    let sent = false;
    const result = await routilux(['serve', 'examples/serve-module.ts', '--port', '0'], (stderr, child) => {
      if (!sent && stderr.includes('monitor at')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(result.stderr).toContain('SIGINT, shutting down');
    expect(result.stderr).toContain('routilux: stopped');
    expect(result.code).toBe(0);
  });

  it('says so when the module registers no flows (exit 2)', async () => {
    const result = await routilux(['serve', 'test/cli/fixtures/registers-nothing.ts']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/registered no flows.*export const flows = \[flow\]/);
  });

  it('says so when the module does not exist (exit 2)', async () => {
    const result = await routilux(['serve', 'no/such/module.ts']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot load "no\/such\/module.ts": no such module/);
  });
});
