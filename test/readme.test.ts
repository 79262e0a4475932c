import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readmeSnippets as snippets } from './helpers.js';


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
