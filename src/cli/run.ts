import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { readFlowFile } from './flow-file.js';
import { serve } from './serve.js';
import { EXIT, USAGE, UsageError } from './usage.js';

/** Where the CLI writes: stdout for results, stderr for problems and messages. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const DEFAULT_PORT = 7370;

/** Runs `routilux <argv>` and resolves with the exit code. Never throws for bad arguments: it prints them. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`routilux: ${error.message}`);
      io.err('Run "routilux --help" for usage.');
      return EXIT.usage;
    }
    io.err(`routilux: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return EXIT.problems;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (values.version) {
    io.out(version());
    return EXIT.ok;
  }
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('no command given: use validate, diagram or serve');
  const serveOnly = (['port', 'host', 'token', 'store'] as const).filter((name) => values[name] !== undefined);
  if (command !== 'serve' && serveOnly.length) throw new UsageError(`--${serveOnly[0]} is an option of "serve", not of "${command}"`);

  switch (command) {
    case 'validate':
      return validate(only(rest, command, '<flow.json>'), io);
    case 'diagram':
      return diagram(only(rest, command, '<flow.json>'), io);
    case 'serve': {
      const token = values.token ?? io.env.ROUTILUX_MONITOR_TOKEN;
      await serve({ module: only(rest, command, '<module>'), port: port(values.port), host: values.host ?? '127.0.0.1', token: token || undefined, store: values.store }, io.err);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}: use validate, diagram or serve`);
  }
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        store: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function only(rest: readonly string[], command: string, what: string): string {
  if (rest.length === 0) throw new UsageError(`"${command}" needs ${what}`);
  if (rest.length > 1) throw new UsageError(`"${command}" takes one ${what}, got ${rest.length}: ${rest.map((r) => JSON.stringify(r)).join(' ')}`);
  return rest[0]!;
}

function port(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(text)}`);
  return value;
}

function validate(path: string, io: CliIo): number {
  const result = readFlowFile(path);
  if ('problem' in result) {
    io.out(`error ${result.problem.code}: ${result.problem.message}`);
    return EXIT.problems;
  }
  const problems = result.flow.validate();
  for (const p of problems) io.out(`${p.severity} ${p.code}: ${p.message}`);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const { flow } = result;
  io.err(`${path}: flow "${flow.name}", ${flow.routines.size} routines, ${flow.connections.length} connections: ${errors} errors, ${warnings} warnings`);
  return errors ? EXIT.problems : EXIT.ok;
}

function diagram(path: string, io: CliIo): number {
  const result = readFlowFile(path);
  if ('problem' in result) {
    io.err(`error ${result.problem.code}: ${result.problem.message}`);
    return EXIT.problems;
  }
  io.out(result.flow.toMermaid().trimEnd());
  return EXIT.ok;
}

function version(): string {
  // package.json sits two folders up from both src/cli and dist/.
  for (const path of ['../../package.json', '../package.json']) {
    try {
      const pkg = createRequire(import.meta.url)(path) as { name?: string; version?: string };
      if (pkg.name === 'routilux') return pkg.version ?? 'unknown';
    } catch {
      // try the next place
    }
  }
  return 'unknown';
}
