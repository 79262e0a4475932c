import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as api from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorHandler, Flow, MissingDependencyError, OptionalPackageMissingError, Runtime, InvalidArgumentError } from '../../src/index.js';
import { loadOpenTelemetry } from '../../src/tracing/index.js';
import { node, tick } from '../helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  api.trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  api.trace.disable();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

function twoStepFlow(name: string, failSecond = false): Flow {
  const flow = new Flow(name);
  flow.addRoutine(node(['in'], ['out'], function (this: any, slots) {
    this.emit('out', { n: (slots.in as number[])[0] });
  }), 'first');
  flow.addRoutine(node(['in'], [], () => {
    if (failSecond) throw new Error('second broke');
  }), 'second');
  flow.connect('first', 'out', 'second', 'in');
  return flow;
}

const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('tracing: true', () => {
  it('makes a job span with a routine span per activation, all attributes set', async () => {
    await using runtime = new Runtime({ tracing: true });
    const [worker, job] = runtime.post(twoStepFlow('traced'), 'first', 'in', 1);
    await job.done();
    await tick(); // onJobEnd runs a microtask after done() resolves
    const spans = exporter.getFinishedSpans();
    const [jobSpan] = named(spans, 'routilux.job');
    expect(jobSpan).toBeDefined();
    expect(jobSpan!.attributes).toMatchObject({ 'routilux.job_id': job.jobId, 'routilux.worker_id': worker.workerId, 'routilux.status': 'completed' });
    expect(jobSpan!.status.code).toBe(api.SpanStatusCode.UNSET);
    const routines = named(spans, 'routilux.routine');
    expect(routines.map((s) => s.attributes['routilux.routine_id']).sort()).toEqual(['first', 'second']);
    for (const span of routines) {
      expect(span.attributes).toMatchObject({ 'routilux.job_id': job.jobId, 'routilux.worker_id': worker.workerId, 'routilux.attempt': expect.any(Number) });
      expect(span.spanContext().traceId).toBe(jobSpan!.spanContext().traceId);
      expect(parentId(span)).toBe(jobSpan!.spanContext().spanId);
    }
  });

  it('sets ERROR and records the exception on the failing routine and the job', async () => {
    await using runtime = new Runtime({ tracing: true });
    const [, job] = runtime.post(twoStepFlow('traced-fail', true), 'first', 'in', 1);
    await job.done();
    await tick(); // onJobEnd runs a microtask after done() resolves
    expect(job.status).toBe('failed');
    const spans = exporter.getFinishedSpans();
    const second = named(spans, 'routilux.routine').find((s) => s.attributes['routilux.routine_id'] === 'second')!;
    expect(second.status).toMatchObject({ code: api.SpanStatusCode.ERROR, message: 'second broke' });
    expect(second.events.some((e) => e.name === 'exception' && e.attributes?.['exception.message'] === 'second broke')).toBe(true);
    const [jobSpan] = named(spans, 'routilux.job');
    expect(jobSpan!.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(jobSpan!.attributes['routilux.status']).toBe('failed');
  });

  it('gives each retry its own span with its attempt number', async () => {
    await using runtime = new Runtime({ tracing: true });
    let calls = 0;
    const flow = new Flow('traced-retry');
    flow.addRoutine(
      node(['in'], [], () => {
        if (++calls < 3) throw new Error(`try ${calls}`);
      }).setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 5, retryDelay: 1 })),
      'flaky',
    );
    const [, job] = runtime.post(flow, 'flaky', 'in', 1);
    await job.done();
    await tick(); // onJobEnd runs a microtask after done() resolves
    expect(job.status).toBe('completed');
    const spans = named(exporter.getFinishedSpans(), 'routilux.routine');
    const attempts = spans.map((s) => s.attributes['routilux.attempt'] as number).sort();
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts).size).toBe(3);
    expect(spans.filter((s) => s.status.code === api.SpanStatusCode.ERROR)).toHaveLength(2);
  });

  it('makes a W3C traceparent in the metadata the parent of the job span', async () => {
    await using runtime = new Runtime({ tracing: true });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const spanId = '00f067aa0ba902b7';
    const [, job] = runtime.post(twoStepFlow('traced-parent'), 'first', 'in', 1, { metadata: { traceparent: `00-${traceId}-${spanId}-01` } });
    await job.done();
    await tick(); // onJobEnd runs a microtask after done() resolves
    const [jobSpan] = named(exporter.getFinishedSpans(), 'routilux.job');
    expect(jobSpan!.spanContext().traceId).toBe(traceId);
    expect(parentId(jobSpan!)).toBe(spanId);
  });

  it('ignores a malformed traceparent: the job span starts a new trace', async () => {
    await using runtime = new Runtime({ tracing: true });
    const [, job] = runtime.post(twoStepFlow('traced-bad-parent'), 'first', 'in', 1, { metadata: { traceparent: '<not a header>' } });
    await job.done();
    await tick(); // onJobEnd runs a microtask after done() resolves
    const [jobSpan] = named(exporter.getFinishedSpans(), 'routilux.job');
    expect(parentId(jobSpan!)).toBeUndefined();
    expect(api.trace.isSpanContextValid(jobSpan!.spanContext())).toBe(true);
  });

  it('runs beside user hooks, and a veto from them opens no span', async () => {
    const seen: string[] = [];
    await using runtime = new Runtime({
      tracing: true,
      hooks: { onRoutineStart: ({ routineId }) => (seen.push(routineId), routineId !== 'second') },
    });
    const [, job] = runtime.post(twoStepFlow('traced-veto'), 'first', 'in', 1);
    await job.done();
    await tick(); // onJobEnd runs a microtask after done() resolves
    expect(seen).toEqual(['first', 'second']);
    expect(named(exporter.getFinishedSpans(), 'routilux.routine').map((s) => s.attributes['routilux.routine_id'])).toEqual(['first']);
  });
});

describe('without tracing', () => {
  it('makes no spans', async () => {
    await using runtime = new Runtime();
    const [, job] = runtime.post(twoStepFlow('untraced'), 'first', 'in', 1);
    await job.done();
    await tick(); // onJobEnd runs a microtask after done() resolves
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('rejects a tracing option that is not a boolean', () => {
    expect(() => new Runtime({ tracing: 'yes' as never })).toThrow(InvalidArgumentError);
  });

  it('says what to install when @opentelemetry/api cannot be loaded', () => {
    // A real require resolving from a folder with no node_modules: the package is not found there.
    const requireFromEmptyFolder = createRequire(join(mkdtempSync(join(tmpdir(), 'routilux-no-otel-')), 'index.js'));
    let error: unknown;
    try {
      loadOpenTelemetry(requireFromEmptyFolder);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OptionalPackageMissingError);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect((error as OptionalPackageMissingError).code).toBe('MISSING_DEPENDENCY');
    expect((error as Error).message).toMatch(/npm install @opentelemetry\/api/);
    expect((error as Error).message).toMatch(/tracing/);
  });
});
