import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, OptionalPackageMissingError } from '../errors.js';
import { Runtime } from '../runtime/runtime.js';
import { mountApi, type HonoModules } from './api.js';
import { EventHub } from './event-hub.js';
import { mountUi } from './ui/assets.js';

/** Options of serveMonitor. */
export interface MonitorOptions {
  /** TCP port; 0 (the default) picks a free one (read it from `url`). */
  readonly port?: number;
  /**
   * Interface to listen on. Default `127.0.0.1` (loopback: only this machine can connect). Listening on another
   * interface exposes jobs' data to the network: set a `token` then.
   */
  readonly host?: string;
  /** When set, every `/api` request needs `Authorization: Bearer <token>` (else 401). The UI asks for it once. */
  readonly token?: string;
  /** Largest request body accepted, in bytes (413 beyond it). Default 16 KiB: the API's POSTs carry no body. */
  readonly maxBodyBytes?: number;
}

/** A running monitor. */
export interface MonitorServer {
  /** Where the UI is, e.g. `http://127.0.0.1:53124/`. */
  readonly url: string;
  /** Stops listening, ends open event streams and stops watching the runtime. */
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Serves a JSON API and a web UI over `runtime` (design §10): workers, jobs, flows, a live event stream, and
 * cancel / pause / resume / stop. Needs the optional packages `hono` and `@hono/node-server`.
 */
export async function serveMonitor(runtime: Runtime, options: MonitorOptions = {}): Promise<MonitorServer> {
  if (!(runtime instanceof Runtime)) throw new InvalidArgumentError('serveMonitor(runtime)', runtime, 'a Runtime');
  const { port = 0, host = '127.0.0.1', token, maxBodyBytes = 16 * 1024 } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('monitor port', port, 'an integer from 0 to 65535');
  if (typeof host !== 'string' || host === '') throw new InvalidArgumentError('monitor host', host, 'an interface address such as "127.0.0.1"');
  if (token !== undefined && (typeof token !== 'string' || token.length < 8)) {
    throw new InvalidArgumentError('monitor token', token, 'a string of at least 8 characters (leave it out for no token)');
  }
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new InvalidArgumentError('monitor maxBodyBytes', maxBodyBytes, 'an integer >= 0');

  const [{ Hono }, { streamSSE }, { bodyLimit }, { serve }] = await Promise.all([
    load(() => import('hono'), 'hono'),
    load(() => import('hono/streaming'), 'hono'),
    load(() => import('hono/body-limit'), 'hono'),
    load(() => import('@hono/node-server'), '@hono/node-server'),
  ]);
  const hono: HonoModules = { Hono, streamSSE };
  const app = new Hono();
  const loopbackOnly = LOOPBACK_HOSTS.has(host);

  app.use('*', async (c, next) => {
    // A page on another site could point a DNS name at 127.0.0.1 (DNS rebinding): a loopback monitor answers only
    // requests addressed to a loopback name.
    if (loopbackOnly && !LOOPBACK_HOSTS.has(hostName(c.req.header('host')))) {
      return c.json({ code: 'FORBIDDEN_HOST', message: 'This monitor listens on loopback and answers only requests to localhost or 127.0.0.1.' }, 403);
    }
    await next();
    // Job data is private: never cached by a browser or a proxy.
    if (c.req.path.startsWith('/api/')) c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    return undefined;
  });
  app.use(
    '*',
    bodyLimit({ maxSize: maxBodyBytes, onError: (c) => c.json({ code: 'BODY_TOO_LARGE', message: `Request bodies are limited to ${maxBodyBytes} bytes.` }, 413) }),
  );
  if (token !== undefined) {
    const expected = digest(token);
    app.use('/api/*', async (c, next) => {
      const header = c.req.header('authorization') ?? '';
      const match = /^Bearer (.+)$/i.exec(header);
      if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
        c.header('WWW-Authenticate', 'Bearer realm="routilux monitor"');
        return c.json({ code: 'UNAUTHORIZED', message: 'This monitor needs a token: send "Authorization: Bearer <token>".' }, 401);
      }
      await next();
      return undefined;
    });
  }

  const hub = new EventHub(runtime);
  mountUi(app);
  mountApi(app, runtime, hub, hono);

  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port, hostname: host, overrideGlobalObjects: false }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (error) {
    // e.g. EADDRINUSE: stop watching the runtime before saying so.
    hub.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}/`,
    close() {
      return (closed ??= (async () => {
        // Event streams end themselves when the hub closes; give them a moment to send their last bytes.
        hub.close();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
      })());
    },
  };
}

async function load<T>(importer: () => Promise<T>, packageName: string): Promise<T> {
  try {
    return await importer();
  } catch (cause) {
    throw new OptionalPackageMissingError(packageName, 'serveMonitor (routilux/monitor)', 'run without the monitor', { cause });
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The host name of a Host header, without its port (`[::1]:80` → `[::1]`). */
function hostName(header: string | undefined): string {
  if (!header) return '';
  const text = header.trim().toLowerCase();
  if (text.startsWith('[')) return text.slice(0, text.indexOf(']') + 1);
  const colon = text.lastIndexOf(':');
  return colon === -1 ? text : text.slice(0, colon);
}
