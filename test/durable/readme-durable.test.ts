/** The README's "Durable workers and jobs" example runs as written (on a temporary SQLite file), twice. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { readmeSnippets } from '../helpers.js';

const snippet = (heading: string): string => readmeSnippets(heading)[0]!;

it('the durable example completes the order once, and a second run on the same file starts nothing new', async () => {
  const code = snippet('## Durable workers and jobs');
  const dir = mkdtempSync(join(process.cwd(), 'test', '.readme-durable-'));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const source = code.replace("from 'routilux'", `from ${JSON.stringify(join(process.cwd(), 'src/index.js'))}`).replace("'./routilux.db'", JSON.stringify(join(dir, 'routilux.db')));
    expect(source).not.toBe(code);
    for (const run of [1, 2]) {
      const file = join(dir, `example-${run}.ts`);
      writeFileSync(file, source);
      await import(file);
      expect(log).toHaveBeenLastCalledWith('completed', { total: 42 });
    }
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
});
