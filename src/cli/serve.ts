import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import { FlowRegistry } from '../flow/registry.js';
import { Flow } from '../flow/flow.js';
import { Runtime, type RuntimeOptions } from '../runtime/runtime.js';
import { createStore } from '../stores/create-store.js';
import { serveMonitor } from '../monitor/serve.js';
import { UsageError } from './usage.js';

/** What `routilux serve` was asked for. */
export interface ServeArguments {
  readonly module: string;
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
  readonly store: string | undefined;
}

/** What a served module may export, besides registering flows when it is imported. */
interface ServedModule {
  readonly flows?: unknown;
  readonly setup?: unknown;
}

/**
 * Imports the module, registers the flows it exports, starts a Runtime and the monitor, and runs until SIGINT or
 * SIGTERM: then the monitor closes, running jobs get up to 10 s to finish, and the runtime and store shut down.
 * Resolves when that is done.
 */
export async function serve(args: ServeArguments, log: (line: string) => void): Promise<void> {
  const store = args.store === undefined ? undefined : openStore(args.store);
  const url = pathToFileURL(resolve(args.module)).href;
  let loaded: ServedModule;
  try {
    loaded = (await import(url)) as ServedModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(resolve(args.module))) {
      throw new UsageError(`cannot load ${JSON.stringify(args.module)}: no such module`);
    }
    throw error;
  }
  const registry = FlowRegistry.getInstance();
  if (loaded.flows !== undefined) {
    if (!Array.isArray(loaded.flows) || !loaded.flows.every((f) => f instanceof Flow)) {
      throw new UsageError(`${args.module} exports \`flows\`, but not as an array of Flow objects`);
    }
    for (const flow of loaded.flows as Flow[]) registry.register(flow);
  }
  if (registry.names().length === 0) {
    throw new UsageError(
      `${args.module} registered no flows. Register them when it is imported (FlowRegistry.getInstance().register(flow)) or export them: export const flows = [flow]`,
    );
  }

  // `store` is the durability option of design §6.1.
  const runtime = new Runtime({ ...(store ? { store } : {}) } as RuntimeOptions);
  const monitor = await serveMonitor(runtime, { port: args.port, host: args.host, token: args.token });
  if (typeof loaded.setup === 'function') await (loaded.setup as (runtime: Runtime) => unknown)(runtime);
  // Listening before saying so: stderr to a pipe is written synchronously, so a supervisor may signal at once.
  const stopped = new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      log(`routilux: ${signal}, shutting down`);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log(`routilux: serving ${registry.names().map((n) => JSON.stringify(n)).join(', ')}`);
  log(`routilux: monitor at ${monitor.url}${args.token ? ' (token required)' : ''}`);
  await stopped;
  await monitor.close();
  await runtime.shutdown({ timeout: 10_000 });
  await (store as { close?: () => Promise<void> } | undefined)?.close?.();
  log('routilux: stopped');
}

function openStore(url: string) {
  try {
    return createStore({ ROUTILUX_STORE: url });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(`--store ${JSON.stringify(url)} is not a store URL: use memory, redis://host:port/db or sqlite:./file.db`);
    throw error;
  }
}
