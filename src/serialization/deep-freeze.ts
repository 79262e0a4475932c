/**
 * Freezes plain objects and arrays, deeply, and returns the value. Other objects (Date, Map, class instances)
 * are left as they are: freezing them would not stop their methods from changing them, and a caller's class
 * instance is not ours to freeze. Walks own properties only, and stops at what is frozen already.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    Object.freeze(value);
    for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    return value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  Object.freeze(value);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) deepFreeze(record[key]);
  return value;
}
