#!/usr/bin/env node
/**
 * The package registry this project installs from does not serve other platforms' native builds (e.g.
 * @rollup/rollup-darwin-arm64), so `npm install` leaves them out of package-lock.json and `npm ci` then refuses
 * the lockfile ("Missing: … from lock file", npm/cli#4828 and #9846). This adds an optional entry for each such
 * package, with the os/cpu/libc its name states, so `npm ci` knows it and skips it on this platform.
 *
 * Run after changing dependencies:  npm install && node .ci/complete-lockfile.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs';

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'sunos', 'win32', 'netbsd', 'aix'];
const CPU = ['arm64', 'arm', 'x64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x', 'mips64el', 'wasm32'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  const libc = parts.includes('musl') ? 'musl' : parts.includes('gnu') || parts.includes('gnueabihf') ? 'glibc' : undefined;
  return { os, cpu, libc };
}

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const added = [];
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const parentDir = key === '' ? '' : `${key}/`;
    if (lock.packages[`${parentDir}node_modules/${name}`] || lock.packages[`node_modules/${name}`]) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!os || !cpu) continue; // not a per-platform build: leave it to npm
    lock.packages[`node_modules/${name}`] = { version, optional: true, os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) };
    added.push(`${name}@${version}`);
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added ${added.length} optional platform entries:\n  ${added.join('\n  ')}` : 'lockfile already complete');
