import type { AnyEventObject, InspectionEvent, Observer, Snapshot } from 'xstate';
import { InvalidArgumentError } from '../errors.js';

const MAX_DEPTH = 8;
const MAX_ITEMS = 100;
const MAX_STRING = 2_000;

/**
 * `value` as plain JSON-ready data, copied now: `toJSON()` is honoured (a job's driver becomes
 * `{ jobId, status, outstanding, timers }`, an activation `{ routineId, attempt }`, an actor ref its id), errors
 * become `{ name, message, code }`, functions (state recipes) `"[function]"`, BigInt `"12n"`, symbols their
 * description, Maps objects and Sets arrays. Long strings, arrays and objects are cut (saying how much was left
 * out), deep nesting ends in `"[…]"` and cycles in `"[circular]"`, so one huge context cannot flood the inspector.
 */
export function toInspectable(value: unknown): unknown {
  return plain(value, 0, new Set());
}

function plain(value: unknown, depth: number, path: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…(${value.length - MAX_STRING} more characters)` : value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return value.name ? `[function ${value.name}]` : '[function]';
  }
  if (value === null) return null;
  const object = value as object;
  if (path.has(object)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[…]';
  path.add(object);
  try {
    return plainObject(object, depth, path);
  } finally {
    path.delete(object);
  }
}

function plainObject(value: object, depth: number, path: Set<object>): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return plain(toJSON.call(value), depth, path);
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name}(${value.byteLength} bytes)]`;
  if (value instanceof Map) return entries([...value].map(([k, v]) => [typeof k === 'string' ? k : String(plain(k, depth + 1, path)), v]), depth, path);
  if (value instanceof Set) return list([...value], depth, path);
  if (Array.isArray(value)) return list(value, depth, path);
  return entries(Object.entries(value), depth, path);
}

function list(items: readonly unknown[], depth: number, path: Set<object>): unknown[] {
  const out = items.slice(0, MAX_ITEMS).map((item) => plain(item, depth + 1, path));
  if (items.length > MAX_ITEMS) out.push(`…(${items.length - MAX_ITEMS} more items)`);
  return out;
}

function entries(pairs: readonly (readonly [string, unknown])[], depth: number, path: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of pairs.slice(0, MAX_ITEMS)) {
    // defineProperty, not assignment: a key named __proto__ must stay an entry, not replace the prototype.
    if (item !== undefined) Object.defineProperty(out, key, { value: plain(item, depth + 1, path), enumerable: true, writable: true, configurable: true });
  }
  if (pairs.length > MAX_ITEMS) out['…'] = `${pairs.length - MAX_ITEMS} more keys`;
  return out;
}

/**
 * Wraps an inspector (e.g. `createWebSocketInspector().inspect`) so every event and snapshot reaches it as plain
 * data copied when it happened (see toInspectable).
 *
 * Why: the Stately inspectors convert each inspection event on a later timer, and the WebSocket one serializes it
 * only when it sends it (after the socket opens). By then a job has usually finished, so without this every step
 * of a job would show its driver's final status, and a state update's reply its final value.
 * Actor registrations (`@xstate.actor`) pass through unchanged: XState reports them before the actor has a
 * snapshot, so they can only be read later.
 */
export function readableInspect(target: Observer<InspectionEvent> | ((event: InspectionEvent) => void)): Observer<InspectionEvent> {
  if (typeof target !== 'function' && (typeof target !== 'object' || target === null || typeof target.next !== 'function')) {
    throw new InvalidArgumentError('readableInspect(target)', target, 'an inspector: a function (event) => void or an observer with next(event)');
  }
  const forward = typeof target === 'function' ? target : (event: InspectionEvent) => target.next?.(event);
  const copyEvent = (event: AnyEventObject) => toInspectable(event) as AnyEventObject;
  return {
    next(inspection) {
      switch (inspection.type) {
        case '@xstate.event':
          forward({ ...inspection, event: copyEvent(inspection.event) });
          return;
        case '@xstate.snapshot':
          forward({ ...inspection, event: copyEvent(inspection.event), snapshot: toInspectable(inspection.snapshot) as Snapshot<unknown> });
          return;
        default:
          forward(inspection);
      }
    },
  };
}
