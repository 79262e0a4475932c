import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

/** The README's code blocks (```ts) under a heading, in order. */
function snippets(heading: string): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const end = readme.indexOf('\n## ', start + heading.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('README', () => {
  it('has exactly the two set-up commands', () => {
    const setup = readFileSync('README.md', 'utf8').split('\n## Set up\n')[1]!.split('\n## ')[0]!;
    expect([...setup.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim())).toEqual(['npm install && npm run demo', 'npm install && npm test']);
  });

  it('the example runs and prints what its comment says', async () => {
    const [example] = snippets('## Example');
    expect(example).toBeDefined();
    const dir = mkdtempSync(join(process.cwd(), 'test', '.readme-'));
    const file = join(dir, 'example.ts');
    writeFileSync(file, example!);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(file);
      expect(log).toHaveBeenCalledWith('completed', 'a', { count: 1 });
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
