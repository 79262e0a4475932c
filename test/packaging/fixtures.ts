/**
 * Builds the package as it would be published, into a temporary folder outside the repository: tsup into
 * `<tmp>/package/dist`, the CommonJS entries (.ci/cjs-entries.mjs), then `npm pack`. The tarball is unpacked
 * into a consumer project whose node_modules holds only routilux, its dependencies and @types/node: none of the
 * optional peers, and no repository folder above it where Node or TypeScript could find them.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const repoRoot = process.cwd();
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

export interface PackedPackage {
  /** The folder that was packed: package.json, dist/, machines/*.json, README.md, LICENSE. */
  readonly packageDir: string;
  readonly tarball: string;
  /** Paths inside the tarball, as npm pack listed them. */
  readonly files: readonly string[];
  /** A project with the tarball installed in node_modules/routilux. */
  readonly consumerDir: string;
  readonly tmp: string;
}

interface PackageJson {
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
}

export const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;

/** Runs a command; resolves with its output, or rejects with the output in the message. */
export async function run(command: string, args: readonly string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}\n${e.message}`);
  }
}

export async function buildAndPack(): Promise<PackedPackage> {
  const tmp = mkdtempSync(join(tmpdir(), 'routilux-pack-'));
  const packageDir = join(tmp, 'package');
  mkdirSync(join(packageDir, 'machines'), { recursive: true });
  for (const file of ['package.json', 'README.md', 'LICENSE']) cpSync(join(repoRoot, file), join(packageDir, file));
  for (const file of readdirSync(join(repoRoot, 'machines'))) {
    if (file.endsWith('.json')) cpSync(join(repoRoot, 'machines', file), join(packageDir, 'machines', file));
  }
  await run(bin('tsup'), ['--out-dir', join(packageDir, 'dist'), '--silent'], repoRoot);
  await run(process.execPath, [join(repoRoot, '.ci', 'cjs-entries.mjs'), packageDir], repoRoot);
  // The build has just run; prepack would run it again in a folder without sources.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], packageDir);
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  const tarball = join(tmp, info.filename);

  const consumerDir = join(tmp, 'consumer');
  const installed = join(consumerDir, 'node_modules', 'routilux');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], tmp);
  for (const dependency of [...Object.keys(packageJson.dependencies), '@types/node']) {
    const link = join(consumerDir, 'node_modules', dependency);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules', dependency), link, 'dir');
  }
  return { packageDir, tarball, files: info.files.map((f) => f.path), consumerDir, tmp };
}

/** The subpaths that have code (`.`, `./testing`, …): those with import/require conditions. */
export function codeSubpaths(): string[] {
  return Object.entries(packageJson.exports)
    .filter(([, target]) => typeof target === 'object' && target !== null && 'require' in target)
    .map(([subpath]) => subpath);
}

/** `routilux`, `routilux/testing`, … for each code subpath. */
export function specifiers(): string[] {
  return codeSubpaths().map((subpath) => (subpath === '.' ? 'routilux' : `routilux/${subpath.slice(2)}`));
}

export function isInstalled(consumerDir: string, name: string): boolean {
  return existsSync(join(consumerDir, 'node_modules', name));
}
