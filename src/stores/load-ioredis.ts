import { MissingDependencyError } from '../errors.js';

/** The ioredis client class, loaded on first use (an optional peer): MissingDependencyError naming who needs it. */
export async function loadIoredis(neededBy: string): Promise<typeof import('ioredis').Redis> {
  let mod: typeof import('ioredis');
  try {
    mod = await import('ioredis');
  } catch (error) {
    throw new MissingDependencyError('ioredis', neededBy, { cause: error });
  }
  return mod.Redis ?? mod.default;
}
