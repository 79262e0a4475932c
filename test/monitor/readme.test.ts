import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readmeSection } from '../helpers.js';

const HEADING = '## Operate it: monitor, CLI, tracing';

const section = () => readmeSection(HEADING);

describe('README: Operate it', () => {
  it('the monitor snippet runs as written and prints the monitor URL', async () => {
    const [snippet] = [...section().matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(snippet).toContain("from 'routilux/monitor'");
    // The package's names point at the sources here (the vitest config maps only `routilux`).
    const code = snippet!
      .replace("from 'routilux/monitor'", `from ${JSON.stringify(resolve('src/monitor/index.ts'))}`)
      .replace("from 'routilux'", `from ${JSON.stringify(resolve('src/index.ts'))}`);
    const dir = mkdtempSync(join(process.cwd(), 'test', '.readme-operate-'));
    const file = join(dir, 'monitor.ts');
    writeFileSync(file, code);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(file);
      expect(log).toHaveBeenCalledWith(expect.stringMatching(/^monitor at http:\/\/127\.0\.0\.1:\d+\/$/));
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows a screenshot that is in the repository', () => {
    const [, path] = /!\[[^\]]*\]\(([^)]+\.png)\)/.exec(section()) ?? [];
    expect(path).toBe('test/monitor/screenshot.png');
    expect(existsSync(path!)).toBe(true);
  });

  it('lists every CLI command the CLI has', () => {
    const usage = readFileSync('src/cli/usage.ts', 'utf8');
    for (const command of ['validate', 'diagram', 'serve']) {
      expect(usage).toContain(`  ${command} <`);
      expect(section()).toContain(`routilux ${command} `);
    }
  });
});
