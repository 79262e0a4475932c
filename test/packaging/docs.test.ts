/**
 * `npm run docs` builds the API reference without a warning: every exported symbol documented, no public signature
 * naming a type the package does not export, no broken link (typedoc.config.mjs treats warnings as errors).
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot, run } from './fixtures.js';

it('the API reference builds with no warning', async () => {
  const out = mkdtempSync(join(tmpdir(), 'routilux-docs-'));
  try {
    const result = await run(join(repoRoot, 'node_modules', '.bin', 'typedoc'), ['--out', out], repoRoot).then(
      ({ stdout, stderr }) => stdout + stderr,
      (error: Error) => error.message,
    );
    // Each line a warning or an error, without colours: on failure the diff lists what to fix.
    const problems = result.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((line) => /\[(warning|error)\]/.test(line) && !/Found \d+ errors and \d+ warnings/.test(line));
    expect(problems).toEqual([]);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 300_000);
