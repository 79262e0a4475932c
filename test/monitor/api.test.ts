import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Child processes, a browser and 10,000-job histories: slower than a unit test on a busy 2-core CI machine.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });
import { InvalidArgumentError, Runtime } from '../../src/index.js';
import { serveMonitor, type MonitorServer } from '../../src/monitor/index.js';
import { eventually, registerDemoFlow } from './fixtures.js';

let runtime: Runtime;
let monitor: MonitorServer;
const get = async (path: string, init?: RequestInit) => {
  const response = await fetch(new URL(path, monitor.url), init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
};
const post = (path: string, init?: RequestInit) => get(path, { method: 'POST', ...init });

beforeEach(async () => {
  registerDemoFlow();
  runtime = new Runtime();
  monitor = await serveMonitor(runtime, { port: 0 });
});
afterEach(async () => {
  await monitor.close();
  await runtime.shutdown({ timeout: 0 });
});

describe('monitor JSON API', () => {
  it('listens on loopback by default', () => {
    expect(monitor.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('lists workers, and one worker with its routineStates', async () => {
    const [worker, job] = runtime.post('monitor_demo', 'start', 'in', 1);
    await job.done();
    const list = await get('/api/workers');
    expect(list.body).toEqual([{ workerId: worker.workerId, flowId: 'monitor_demo', status: 'running', liveJobs: 0 }]);
    const one = await get(`/api/workers/${worker.workerId}`);
    expect(one.body).toEqual({ workerId: worker.workerId, flowId: 'monitor_demo', status: 'running', liveJobs: 0, routineStates: { start: { seen: 1 } } });
  });

  it('answers unknown ids with 404 and the error code', async () => {
    expect(await get('/api/workers/nope')).toMatchObject({ status: 404, body: { code: 'WORKER_NOT_FOUND' } });
    expect(await get('/api/jobs/nope')).toMatchObject({ status: 404, body: { code: 'JOB_NOT_FOUND' } });
    expect(await post('/api/jobs/nope/cancel')).toMatchObject({ status: 404, body: { code: 'JOB_NOT_FOUND' } });
    expect(await post('/api/workers/nope/pause')).toMatchObject({ status: 404, body: { code: 'WORKER_NOT_FOUND' } });
    expect(await get('/api/nothing-here')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('filters jobs by status and worker, searches by id and metadata, newest first', async () => {
    const [w, ok] = runtime.post('monitor_demo', 'start', 'in', 1, { jobId: 'job-ok', metadata: { customer: 'ACME corp' } });
    const [, bad] = runtime.post('monitor_demo', 'start', 'in', 2, { jobId: 'job-bad', metadata: { fail: 'yes', customer: 'Globex' } });
    await Promise.all([ok.done(), bad.done()]);
    const failed = await get('/api/jobs?status=failed');
    expect(failed.body).toEqual([
      { jobId: 'job-bad', workerId: w.workerId, flowId: 'monitor_demo', status: 'failed', createdAt: bad.createdAt, completedAt: bad.completedAt, error: { name: 'Error', message: 'asked to fail: yes' } },
    ]);
    expect((await get('/api/jobs?status=completed')).body.map((j: any) => j.jobId)).toEqual(['job-ok']);
    expect((await get('/api/jobs?q=acme')).body.map((j: any) => j.jobId)).toEqual(['job-ok']);
    expect((await get('/api/jobs?q=job-b')).body.map((j: any) => j.jobId)).toEqual(['job-bad']);
    expect((await get(`/api/jobs?workerId=${w.workerId}`)).body).toHaveLength(2);
    expect((await get('/api/jobs?workerId=other')).body).toEqual([]);
  });

  it('rejects a bad status or limit with 400 INVALID_ARGUMENT', async () => {
    expect(await get('/api/jobs?status=done')).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
    expect(await get('/api/jobs?limit=0')).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
    expect(await get('/api/jobs?limit=100000')).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
    expect(await get('/api/jobs?offset=-1')).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
  });

  it('pages 10,000 jobs on the server: limit, offset, X-Total-Count, X-Next-Offset', async () => {
    for (let i = 0; i < 10_000; i++) runtime.post('monitor_demo', 'start', 'in', i, { jobId: `j${String(i).padStart(5, '0')}` });
    await runtime.waitUntilAllJobsFinished();
    const first = await get('/api/jobs?limit=50');
    expect(first.body).toHaveLength(50);
    expect(first.headers.get('x-total-count')).toBe('10000');
    expect(first.headers.get('x-next-offset')).toBe('50');
    const second = await get('/api/jobs?limit=50&offset=50');
    expect(second.body).toHaveLength(50);
    const ids = new Set([...first.body, ...second.body].map((j: any) => j.jobId));
    expect(ids.size).toBe(100);
    const last = await get('/api/jobs?limit=50&offset=9990');
    expect(last.body).toHaveLength(10);
    expect(last.headers.get('x-next-offset')).toBeNull();
    const defaultPage = await get('/api/jobs');
    expect(defaultPage.body).toHaveLength(100);
  });

  it('gives one job whole: metadata, data, traceLog, output, status, error, unconsumed', async () => {
    const [, job] = runtime.post('monitor_demo', 'start', 'in', { n: 7 }, { metadata: { user: 'ann' } });
    await job.done();
    const { status, body } = await get(`/api/jobs/${job.jobId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ jobId: job.jobId, status: 'completed', metadata: { user: 'ann' }, data: { input: { n: 7 }, finished: true }, error: null });
    expect(body.output).toEqual([`started ${job.jobId}`]);
    expect(body.traceLog.length).toBe(job.traceLog.length);
    // Each activation the monitor saw, with its times on the runtime's clock.
    expect(body.activations).toEqual([
      { routineId: 'start', attempt: expect.any(Number), startedAt: expect.any(Number), endedAt: expect.any(Number), error: null },
      { routineId: 'finish', attempt: expect.any(Number), startedAt: expect.any(Number), endedAt: expect.any(Number), error: null },
    ]);
    expect(body.activations[1].startedAt).toBeGreaterThanOrEqual(body.activations[0].startedAt);
    expect('unconsumed' in body || body.unconsumed === undefined).toBe(true);
  });

  it('sends job data it cannot write as JSON as marker text instead of failing', async () => {
    const [, job] = runtime.post('monitor_demo', 'start', 'in', 1);
    await job.done();
    const cyclic: Record<string, unknown> = { big: 10n };
    cyclic.self = cyclic;
    job.setData('odd', cyclic);
    const { body } = await get(`/api/jobs/${job.jobId}`);
    expect(body.data.odd).toEqual({ big: '10n', self: '[Circular]' });
  });

  it('cancels a running job', async () => {
    const [, job] = runtime.post('monitor_demo', 'start', 'in', 1, { metadata: { hold: true } });
    await eventually(() => job.status === 'running');
    const answer = await post(`/api/jobs/${job.jobId}/cancel`);
    expect(answer).toMatchObject({ status: 200, body: { jobId: job.jobId, cancelled: true } });
    await job.done();
    expect(job.status).toBe('cancelled');
    expect((await post(`/api/jobs/${job.jobId}/cancel`)).body).toMatchObject({ cancelled: false, status: 'cancelled' });
  });

  it('pauses, resumes and stops a worker; acting on a stopped worker is 409', async () => {
    const worker = runtime.exec('monitor_demo');
    expect((await post(`/api/workers/${worker.workerId}/pause`)).body.status).toBe('paused');
    expect(worker.status).toBe('paused');
    expect((await post(`/api/workers/${worker.workerId}/resume`)).body.status).toBe('running');
    expect((await post(`/api/workers/${worker.workerId}/stop`)).body.status).toBe('stopped');
    expect(await post(`/api/workers/${worker.workerId}/pause`)).toMatchObject({ status: 409, body: { code: 'WORKER_NOT_RUNNING' } });
    // A stopped worker is still shown.
    expect((await get('/api/workers')).body).toContainEqual(expect.objectContaining({ workerId: worker.workerId, status: 'stopped' }));
  });

  it('lists registered flows with their definition, graph and Mermaid text', async () => {
    const { body } = await get('/api/flows');
    const demo = body.find((f: any) => f.name === 'monitor_demo');
    expect(demo.definition).toMatchObject({ name: 'monitor_demo', routines: [{ id: 'start', type: 'Start' }, { id: 'finish', type: 'Finish' }] });
    expect(demo.mermaid).toMatch(/^flowchart LR/);
    expect(demo.graph.connections).toEqual([{ from: 'start', event: 'out', to: 'finish', slot: 'in' }]);
  });

  it('streams job and worker events as Server-Sent Events', async () => {
    const controller = new AbortController();
    const response = await fetch(new URL('/api/events', monitor.url), { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    await eventually(async () => {
      text += decoder.decode((await reader.read()).value);
      return text.includes('event: hello');
    });
    const [worker, job] = runtime.post('monitor_demo', 'start', 'in', 1, { jobId: 'streamed' });
    await job.done();
    await eventually(async () => {
      text += decoder.decode((await reader.read()).value);
      return text.includes('"status":"completed"') && text.includes('event: worker');
    });
    expect(text).toContain('event: job\ndata: {"jobId":"streamed"');
    expect(text).toContain(`"workerId":"${worker.workerId}"`);
    controller.abort();
  });

  it('caps request bodies (413)', async () => {
    const [, job] = runtime.post('monitor_demo', 'start', 'in', 1, { metadata: { hold: true } });
    const big = 'x'.repeat(20 * 1024);
    expect(await post(`/api/jobs/${job.jobId}/cancel`, { body: big, headers: { 'content-type': 'text/plain' } })).toMatchObject({
      status: 413,
      body: { code: 'BODY_TOO_LARGE' },
    });
    expect(job.status).not.toBe('cancelled');
  });

  it('answers only requests addressed to a loopback name (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL('/api/workers', monitor.url);
      request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it('rejects a port already in use with the system error', async () => {
    const port = Number(new URL(monitor.url).port);
    await expect(serveMonitor(runtime, { port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('marks API answers not to be cached', async () => {
    expect((await get('/api/workers')).headers.get('cache-control')).toBe('no-store');
  });

  it('rejects bad options with InvalidArgumentError', async () => {
    await expect(serveMonitor(runtime, { port: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(serveMonitor(runtime, { token: 'short' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(serveMonitor({} as Runtime)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('monitor with a token', () => {
  it('answers /api without the right Bearer token with 401, and serves the page', async () => {
    const guarded = await serveMonitor(runtime, { token: 'correct horse battery' });
    try {
      const url = (path: string) => new URL(path, guarded.url);
      expect((await fetch(url('/api/workers'))).status).toBe(401);
      expect((await fetch(url('/api/events'))).status).toBe(401);
      expect((await fetch(url('/api/workers'), { headers: { authorization: 'Bearer wrong token!' } })).status).toBe(401);
      const ok = await fetch(url('/api/workers'), { headers: { authorization: 'Bearer correct horse battery' } });
      expect(ok.status).toBe(200);
      const page = await fetch(url('/'));
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('routilux monitor');
    } finally {
      await guarded.close();
    }
  });
});

describe('monitor close()', () => {
  it('ends open event streams and stops listening', async () => {
    const other = await serveMonitor(runtime);
    const response = await fetch(new URL('/api/events', other.url));
    const reader = response.body!.getReader();
    await reader.read();
    await other.close();
    await expect((async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })()).resolves.toBe('ended');
    await expect(fetch(new URL('/api/workers', other.url))).rejects.toThrow();
  });
});
