import { SerializationError } from '../errors.js';
import { walk, type SerializationMode, type Unserializable } from './walk.js';

export {
  entriesChecked,
  isSelfChecking,
  joinPath,
  uncheckedEntries,
  type SelfCheckingContainer,
  type SerializationMode,
  type Unserializable,
} from './walk.js';

/** What `findUnserializable` may skip and whom it tells about what passed. */
export interface CheckOptions {
  /** Objects already known to be fine (e.g. parts of the current state): not walked again. */
  readonly isChecked?: (value: object) => boolean;
  /** Called for every object or array that passed, children first. */
  readonly onChecked?: (value: object) => void;
}

/**
 * Returns the first part of `value` that would not survive the serializer unchanged, with its path, or
 * undefined. This is the check for values routilux keeps as they are (WorkerState, metadata, configs): getters
 * are refused too, as the objects themselves are kept and must be plain data.
 */
export function findUnserializable(
  value: unknown,
  mode: SerializationMode,
  rootPath: string,
  options: CheckOptions = {},
): Unserializable | undefined {
  const result = walk(value, { mode, refuseAccessors: true, isChecked: options.isChecked, onChecked: options.onChecked }, rootPath);
  return result.ok ? undefined : result.problem;
}

/** Throws SerializationError naming the path of the first part of `value` the serializer would not keep. */
export function assertSerializable(value: unknown, mode: SerializationMode, rootPath: string, options?: CheckOptions): void {
  const problem = findUnserializable(value, mode, rootPath, options);
  if (problem) throw new SerializationError(problem.path, problem.reason, problem.hint);
}
