import { RoutiluxError, causeText } from './base.js';

/** An optional package a store needs (ioredis, better-sqlite3) is not installed. */
export class MissingDependencyError extends RoutiluxError {
  constructor(
    readonly packageName: string,
    readonly neededBy: string,
    options?: { cause?: unknown },
  ) {
    super(
      'MISSING_DEPENDENCY',
      `${neededBy} needs the "${packageName}" package, which could not be loaded. Install it with ` +
        `\`npm install ${packageName}\`, or choose another store (MemoryStore needs nothing).`,
      options,
    );
  }
}

/** createInspector could not give an inspector here: the optional package is missing, or there is no browser window. */
export class InspectorUnavailableError extends RoutiluxError {
  constructor(
    readonly kind: 'browser' | 'websocket',
    readonly reason: 'missing-package' | 'no-window',
    options?: { cause?: unknown },
  ) {
    super(
      'INSPECTOR_UNAVAILABLE',
      reason === 'missing-package'
        ? `createInspector("${kind}") needs the "@statelyai/inspect" package, which could not be loaded${causeText(options?.cause)}. Install it with ` +
            '`npm install --save-dev @statelyai/inspect` (the runtime itself runs without it), or leave out the `inspect` option.'
        : 'createInspector("browser") needs a browser window, and there is none here. In Node, use createInspector("websocket") ' +
            'with an inspector server (createInspectorServer() from "@statelyai/inspect/server"), or pass options.window.',
      options,
    );
  }
}

/**
 * A feature was asked for whose optional package is not installed: `tracing: true` needs `@opentelemetry/api`,
 * `routilux/monitor` needs `hono` and `@hono/node-server`. Still a MissingDependencyError (same `code`), with a
 * message naming the feature, the install command and how to do without it.
 */
export class OptionalPackageMissingError extends MissingDependencyError {
  constructor(
    packageName: string,
    neededBy: string,
    readonly withoutIt: string,
    options?: { cause?: unknown },
  ) {
    super(packageName, neededBy, options);
    this.message =
      `${neededBy} needs the "${packageName}" package, which could not be loaded${causeText(options?.cause)}. ` +
      `Install it with \`npm install ${packageName}\`, or ${withoutIt}.`;
  }
}
