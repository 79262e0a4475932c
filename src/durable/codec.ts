import { SerializationError } from '../errors.js';
import { joinPath } from '../serialization/check.js';
import { StateMap } from '../state/state-map.js';

/*
 * The log's own text encoding. Records are turned into JSON text when they are appended (so a value that cannot
 * be kept fails at once, at the caller, and never blocks the log) and every store then keeps plain strings,
 * whatever its serializer. Beyond JSON it keeps what WorkerState's `structured` mode allows, as one-key tagged
 * objects: {"$date": iso}, {"$map": [[k, v]...]}, {"$set": [...]}, {"$bigint": "12"}, {"$undef": 1},
 * {"$num": "NaN"}, {"$regexp": [source, flags]}, {"$bytes": [type, base64]}, {"$stateMap": {entries, maxEntries}}.
 * A key of the data that starts with "$" gets one more "$", so data never reads back as a tag.
 */

const TYPED_ARRAYS: Record<string, new (buffer: ArrayBuffer) => ArrayBufferView> = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  Uint8ClampedArray,
  BigInt64Array,
  BigUint64Array,
};

function toBase64(view: ArrayBufferView): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

function fromBase64(text: string): ArrayBuffer {
  const bytes = Buffer.from(text, 'base64');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function toPlain(value: unknown, path: string, ancestors: object[]): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { $num: Object.is(value, -0) ? '-0' : String(value) };
    case 'undefined':
      return { $undef: 1 };
    case 'bigint':
      return { $bigint: value.toString() };
    case 'object':
      break;
    default:
      throw new SerializationError(path, `a ${typeof value} cannot be written to the durable log`);
  }
  if (value === null) return null;
  if (ancestors.includes(value)) throw new SerializationError(path, 'a circular reference cannot be written to the durable log');
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) out[i] = toPlain(value[i], `${path}[${i}]`, ancestors);
      return out;
    }
    if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? null : value.toISOString() };
    if (value instanceof StateMap) {
      const json = value.toJSON();
      return { $stateMap: { entries: toPlain(json.$stateMap, `${path}.$stateMap`, ancestors), maxEntries: json.maxEntries ?? null } };
    }
    if (value instanceof Map) return { $map: toPlain([...value], path, ancestors) };
    if (value instanceof Set) return { $set: toPlain([...value], path, ancestors) };
    if (value instanceof RegExp) return { $regexp: [value.source, value.flags] };
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return { $bytes: [value.constructor.name, toBase64(value)] };
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as object).constructor?.name ?? 'object';
      throw new SerializationError(path, `a ${name} instance cannot be written to the durable log`);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const plain = toPlain((value as Record<string, unknown>)[key], joinPath(path, key), ancestors);
      const stored = key.startsWith('$') ? `$${key}` : key;
      if (stored === '__proto__') Object.defineProperty(out, stored, { value: plain, enumerable: true, writable: true, configurable: true });
      else out[stored] = plain;
    }
    return out;
  } finally {
    ancestors.pop();
  }
}

function fromPlain(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(fromPlain);
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  if (keys.length === 1 && keys[0]!.startsWith('$') && !keys[0]!.startsWith('$$')) {
    const tag = keys[0]!;
    const body = record[tag];
    switch (tag) {
      case '$date':
        return new Date(body === null ? Number.NaN : (body as string));
      case '$map':
        return new Map(fromPlain(body) as [unknown, unknown][]);
      case '$set':
        return new Set(fromPlain(body) as unknown[]);
      case '$bigint':
        return BigInt(body as string);
      case '$undef':
        return undefined;
      case '$num':
        return body === '-0' ? -0 : Number(body);
      case '$regexp': {
        const [source, flags] = body as [string, string];
        return new RegExp(source, flags);
      }
      case '$bytes': {
        const [type, data] = body as [string, string];
        const Ctor = TYPED_ARRAYS[type];
        if (!Ctor) throw new SerializationError('durable log', `unknown typed array "${type}"`);
        return new Ctor(fromBase64(data));
      }
      case '$stateMap': {
        const { entries, maxEntries } = body as { entries: unknown; maxEntries: number | null };
        const json = { $stateMap: fromPlain(entries) as [string, unknown][] };
        return StateMap.fromJSON(maxEntries === null ? json : { ...json, maxEntries });
      }
      default:
        break;
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const original = key.startsWith('$') ? key.slice(1) : key;
    const decoded = fromPlain(record[key]);
    if (original === '__proto__') Object.defineProperty(out, original, { value: decoded, enumerable: true, writable: true, configurable: true });
    else out[original] = decoded;
  }
  return out;
}

/**
 * JSON text for `value`, keeping structured values as tags. Throws SerializationError naming the path of a
 * value that cannot be kept (a function, a class instance, a cycle); `label` starts that path.
 */
export function encodeValue(value: unknown, label = 'record'): string {
  return JSON.stringify(toPlain(value, label, []));
}

/** The value `encodeValue` wrote. */
export function decodeValue(text: string): unknown {
  return fromPlain(JSON.parse(text));
}

/** Like decodeValue, for a value already parsed from JSON (e.g. an element of a parsed segment). */
export function decodeParsed(parsed: unknown): unknown {
  return fromPlain(parsed);
}
