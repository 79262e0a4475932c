/**
 * The package as users get it: built, packed with npm and installed from the tarball into a project of its own.
 * One copy of the library whichever way it is loaded; types that check in a consumer without the optional peers
 * and without skipLibCheck; no internal type in the public API; publint and arethetypeswrong clean.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tsupConfig from '../../tsup.config.js';
import { buildAndPack, codeSubpaths, isInstalled, packageJson, repoRoot, run, specifiers, type PackedPackage } from './fixtures.js';
import { leakedInternalTypes } from './public-types.js';

let packed: PackedPackage;

beforeAll(async () => {
  packed = await buildAndPack();
}, 300_000);

afterAll(() => {
  if (packed) rmSync(packed.tmp, { recursive: true, force: true });
});

const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

describe('package contents', () => {
  it('every tsup entry is exported, with ESM and CommonJS code and types, and typesVersions for node10 resolution', () => {
    const entries = libraryEntries();
    const subpaths = entries.map((entry) => (entry === 'index' ? '.' : `./${entry}`));
    expect(codeSubpaths().sort()).toEqual(subpaths.sort());
    for (const entry of entries) {
      for (const suffix of ['.js', '.cjs', '.d.ts', '.d.cts']) expect(packed.files).toContain(`dist/${entry}${suffix}`);
    }
    const typesVersions = (packageJson as unknown as { typesVersions: Record<string, Record<string, string[]>> }).typesVersions['*']!;
    expect(Object.keys(typesVersions).sort()).toEqual(entries.filter((e) => e !== 'index').sort());
  });

  it('ships the built code, the machine JSON files, LICENSE and README, and no sources or tests', () => {
    for (const file of ['LICENSE', 'README.md', 'package.json', 'machines/job.machine.json', 'machines/worker.machine.json', 'machines/runtime.machine.json']) {
      expect(packed.files).toContain(file);
    }
    expect(packed.files.filter((f) => !/^(dist\/|machines\/[\w.-]+\.json$|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([]);
  });

  it('each CommonJS entry is the ES module itself, loaded with require(esm): no second implementation', () => {
    for (const entry of libraryEntries()) {
      const cjs = readFileSync(join(packed.packageDir, 'dist', `${entry}.cjs`), 'utf8');
      expect(cjs).toContain(`module.exports = require('./${entry}.js');`);
      expect(cjs.split('\n').filter((line) => line.trim() && !line.trim().startsWith('//'))).toHaveLength(2);
    }
    expect(packed.files.filter((f) => f.endsWith('.cjs') && !f.endsWith('.d.cts'))).toHaveLength(codeSubpaths().length);
  });

  it('keeps native ?. and ?? (a modern target): no down-levelling helpers on the hot path', () => {
    const code = packed.files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(packed.packageDir, f), 'utf8')).join('\n');
    expect(code).toMatch(/\w\?\.\w/);
    expect(code).toContain(' ?? ');
    expect(code).not.toMatch(/_optionalChain|_nullishCoalesce|__privateGet|__privateAdd|__publicField|__async\(/);
  });
});

describe('one copy of the library', () => {
  it('import and require in one process share the FlowRegistry, getCurrentJob, classes and errors', async () => {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const esm = await import('routilux');
      const cjs = require('routilux');
      const out = { sameRegistry: esm.FlowRegistry.getInstance() === cjs.FlowRegistry.getInstance() };
      const seen = [];
      const routine = cjs.defineRoutine({
        slots: { input: cjs.slot() },
        logic: async () => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          const a = esm.getCurrentJob();
          const b = cjs.getCurrentJob();
          seen.push(a !== undefined && a === b ? a.jobId : 'not shared');
        },
      });
      const flow = new esm.Flow('shared-flow').addRoutine(routine, 'r');
      esm.FlowRegistry.getInstance().registerByName('shared-flow', flow);
      out.registryLookup = cjs.FlowRegistry.getInstance().get('shared-flow') === flow;
      const runtime = new cjs.Runtime();
      const [, byFlow] = runtime.post(flow, 'r', 'input', 1);
      const [, byName] = runtime.post('shared-flow', 'r', 'input', 2);
      await Promise.all([byFlow.done(), byName.done()]);
      out.statuses = [byFlow.status, byName.status];
      out.seen = seen.sort();
      out.jobIds = [byFlow.jobId, byName.jobId].sort();
      try { runtime.post(flow, 'missing', 'input', 1); } catch (error) {
        out.errorSeenByBoth = error instanceof esm.RoutineNotFoundError && error instanceof cjs.RoutiluxError;
      }
      await runtime.shutdown();
      const [testingEsm, machinesEsm, jobJson] = await Promise.all([
        import('routilux/testing'), import('routilux/machines'),
        import('routilux/machines/job.machine.json', { with: { type: 'json' } }),
      ]);
      out.testing = testingEsm.createTestRuntime === require('routilux/testing').createTestRuntime;
      out.machines = machinesEsm.jobMachine === require('routilux/machines').jobMachine;
      out.machineJson = [jobJson.default.id, require('routilux/machines/job.machine.json').id];
      console.log(JSON.stringify(out));`;
    writeFileSync(join(packed.consumerDir, 'both-ways.mjs'), script);
    const { stdout, stderr } = await run(process.execPath, ['both-ways.mjs'], packed.consumerDir);
    expect(stderr).toBe('');
    const out = JSON.parse(stdout) as { jobIds: string[]; seen: string[] };
    expect(out).toEqual({
      sameRegistry: true,
      registryLookup: true,
      statuses: ['completed', 'completed'],
      seen: out.jobIds,
      jobIds: out.jobIds,
      errorSeenByBoth: true,
      testing: true,
      machines: true,
      machineJson: ['job', 'job'],
    });
    expect(out.jobIds).toHaveLength(2);
  });

  it('a CommonJS app loads every entry with require() alone', async () => {
    const requires = specifiers().map((s) => `require(${JSON.stringify(s)})`).join(', ');
    writeFileSync(
      join(packed.consumerDir, 'app.cjs'),
      `const [core, ...rest] = [${requires}];
       const runtime = new core.Runtime();
       const flow = new core.Flow('cjs-app').addRoutine(core.defineRoutine({ slots: { input: core.slot() }, logic: () => {} }), 'r');
       const [, job] = runtime.post(flow, 'r', 'input', 1);
       job.done().then(async () => {
         await runtime.shutdown();
         console.log(JSON.stringify([job.status, rest.map((m) => Object.keys(m).length > 0)]));
       });`,
    );
    const { stdout, stderr } = await run(process.execPath, ['app.cjs'], packed.consumerDir);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual(['completed', specifiers().slice(1).map(() => true)]);
  });
});

describe('published types', () => {
  it('type-check in a consumer without ioredis, better-sqlite3 or @statelyai/inspect, without skipLibCheck', async () => {
    for (const peer of ['ioredis', 'better-sqlite3', '@statelyai/inspect', '@types/better-sqlite3']) expect(isInstalled(packed.consumerDir, peer)).toBe(false);
    const imports = specifiers().map((s, i) => `import * as entry${i} from ${JSON.stringify(s)};`).join('\n');
    const uses = specifiers().map((_, i) => `entry${i}`).join(', ');
    const body = `
      ${imports}
      import { Flow, Runtime, MemoryStore, type JobContext, type StateMap } from 'routilux';
      import { createTestRuntime } from 'routilux/testing';
      import { jobMachine } from 'routilux/machines';
      export const all = [${uses}];
      export async function main(): Promise<string> {
        const runtime: Runtime = new Runtime();
        const flow = new Flow('typed');
        const store = new MemoryStore({ maxEntries: 10 });
        await store.set('k', 1);
        const test = createTestRuntime({ seed: 1 });
        // @ts-expect-error the runtime's executor is internal: it is not in the published types
        void runtime.executor;
        const job: JobContext | undefined = runtime.getJob('x');
        const map: StateMap<number> | undefined = undefined;
        return [flow.name, jobMachine.id, String(job), String(map), String(test)].join();
      }`;
    const json = `import job from 'routilux/machines/job.machine.json' with { type: 'json' };\nexport const id: string = job.id;\n`;
    const cjs = `import { Runtime } from 'routilux';\nimport type { TestRuntime } from 'routilux/testing';\nimport machines = require('routilux/machines');\nexport const made = (): [Runtime, TestRuntime | undefined, unknown] => [new Runtime(), undefined, machines.jobMachine];\n`;
    writeFileSync(join(packed.consumerDir, 'esm.mts'), body);
    writeFileSync(join(packed.consumerDir, 'json.mts'), json);
    writeFileSync(join(packed.consumerDir, 'cjs.cts'), cjs);
    writeFileSync(join(packed.consumerDir, 'bundler.ts'), body);
    const strict = ['--noEmit', '--strict', '--skipLibCheck', 'false', '--types', 'node', '--target', 'es2022', '--lib', 'es2023,esnext.disposable'];
    const node16 = [...strict, '--module', 'node16', '--moduleResolution', 'node16', 'esm.mts', 'cjs.cts'];
    const nodenext = [...strict, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--resolveJsonModule', 'esm.mts', 'cjs.cts', 'json.mts'];
    const bundler = [...strict, '--module', 'esnext', '--moduleResolution', 'bundler', 'bundler.ts'];
    const results = await Promise.allSettled([node16, nodenext, bundler].map((args) => run(process.execPath, [tsc, ...args], packed.consumerDir)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.stdout : String(r.reason)))).toEqual(['', '', '']);
  }, 120_000);

  it('name no internal type: every type a public signature mentions is exported', () => {
    const files = libraryEntries().map((entry) => join(packed.consumerDir, 'node_modules', 'routilux', 'dist', `${entry}.d.ts`));
    expect(leakedInternalTypes(files, join(packed.consumerDir, 'node_modules', 'routilux'))).toEqual([]);
  }, 60_000);
});

describe('package linters (offline)', () => {
  it('publint finds nothing, not even a suggestion', async () => {
    const { stdout } = await run(bin('publint'), ['run', packed.tarball, '--strict', '--level', 'suggestion'], packed.tmp);
    expect(stdout).toContain('All good!');
  }, 60_000);

  it('arethetypeswrong finds no problem for node10, node16 (CJS and ESM) and bundler resolution', async () => {
    const result = await run(bin('attw'), [packed.tarball, '--no-definitely-typed', '--format', 'json'], packed.tmp).catch((error: Error) => ({ stdout: error.message.split('\n').slice(1).join('\n') }));
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'), result.stdout.lastIndexOf('}') + 1)) as { analysis: { problems: unknown[] } };
    expect(report.analysis.problems).toEqual([]);
  }, 60_000);
});

/** The tsup entries that are package exports: all but the command-line program, which is the package's `bin`. */
function libraryEntries(): string[] {
  const bins = Object.values((packageJson as unknown as { bin?: Record<string, string> }).bin ?? {});
  return Object.keys((tsupConfig as { entry: Record<string, string> }).entry).filter((entry) => !bins.includes(`./dist/${entry}.js`));
}
