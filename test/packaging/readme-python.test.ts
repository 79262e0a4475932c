/**
 * The README's "Coming from Routilux (Python)" section says what really happens: its isolation demo output is
 * what examples/state-isolation.ts prints, a Python `timeout: 5.0` is 5 ms, and metadata is not job data.
 */
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../examples/state-isolation.js';
import { Flow, defineRoutine, slot } from '../../src/index.js';
import { createTestRuntime, expectJob } from '../../src/testing/index.js';
import { readmeSection } from '../helpers.js';

const heading = '## Coming from Routilux (Python)';

const section = () => readmeSection(heading);

describe('README: Coming from Routilux (Python)', () => {
  it('shows the isolation demo output exactly as examples/state-isolation.ts prints it', async () => {
    const shown = /```text\n([\s\S]*?)\n```/.exec(section())?.[1];
    expect(shown).toBeDefined();
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    try {
      await main();
    } finally {
      log.mockRestore();
    }
    expect(lines.join('\n')).toBe(shown);
  });

  it('a timeout of 5.0 is 5 milliseconds', async () => {
    const runtime = createTestRuntime({ seed: 1 });
    const waits = defineRoutine({
      slots: { input: slot() },
      logic: (_data, _message, _state, { signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
    });
    const flow = new Flow('python-timeout').addRoutine(waits, 'waits');
    const [, job] = runtime.post(flow, 'waits', 'input', 1, { timeout: 5.0 });
    await runtime.runUntilIdle();
    expectJob(job).toTimeOut();
    expect(job.completedAt! - job.createdAt).toBe(5);
    await runtime.shutdown();
  });

  it("metadata is job.metadata, not job data: getData('job_identifier', 'not_set') gives the default", async () => {
    const runtime = createTestRuntime({ seed: 1 });
    const reads: unknown[] = [];
    const reader = defineRoutine({
      slots: { input: slot() },
      logic: (_data, _message, _state, { job }) => {
        reads.push(job.getData('job_identifier', 'not_set'), job.metadata.job_identifier);
      },
    });
    const flow = new Flow('python-metadata').addRoutine(reader, 'reader');
    const [, job] = runtime.post(flow, 'reader', 'input', {}, { metadata: { job_identifier: 'job_1' } });
    await runtime.runUntilIdle();
    expectJob(job).toComplete();
    expect(reads).toEqual(['not_set', 'job_1']);
    await runtime.shutdown();
  });
});
