/**
 * Every error routilux throws extends RoutiluxError: it carries a stable `code` for programs and a message that
 * says what was wrong and how to fix it, for people.
 */
export class RoutiluxError extends Error {
  /** Stable, machine-readable, e.g. `INVALID_ARGUMENT`: branch on it rather than on the message or the class name. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** @internal Names as a message lists them. */
export const list = (names: readonly string[]): string => (names.length ? names.map((n) => `"${n}"`).join(', ') : '(none)');

/** @internal The first line of a cause, for a message. */
export function causeText(cause: unknown): string {
  if (cause === undefined) return '';
  const text = cause instanceof Error ? cause.message : String(cause);
  return ` (${text.split('\n')[0]})`;
}

/** @internal How an error message shows a received value (short, never throws). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const ctor = (value as object).constructor;
  return ctor && ctor !== Object ? `a ${ctor.name} instance` : 'an object';
}
