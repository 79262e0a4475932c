// @ts-check
/**
 * `npm run docs`: the API reference, built by TypeDoc from the same entry points as the package (see
 * tsup.config.ts) into docs/api/ (gitignored). Warnings are errors: an exported symbol without a doc comment, a
 * public signature naming a type the package does not export, or a broken {@link} fails the build.
 */
import { existsSync } from 'node:fs';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  // An entry whose source is absent is left out (kept for branches that add it), as in tsup.config.ts.
  entryPoints: ['src/index.ts', 'src/testing/index.ts', 'machines/index.ts', 'src/monitor/index.ts'].filter((source) => existsSync(source)),
  out: 'docs/api',
  name: 'routilux',
  readme: 'README.md',
  excludeInternal: true,
  excludePrivate: true,
  excludeProtected: false,
  treatWarningsAsErrors: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  // Every exported symbol has a doc comment (the house rule); members may rely on their type and their class's comment.
  requiredToBeDocumented: ['Class', 'Interface', 'TypeAlias', 'Function', 'Variable', 'Enum', 'Namespace'],
  // Source links would need a hosted repository; the reference stays readable offline.
  disableSources: true,
  // Only what the package ships: type-checking the tests and benches too would only make the build slower.
  tsconfig: 'tsconfig.docs.json',
};

export default config;
