import { readFileSync } from 'node:fs';
import { RoutiluxError } from '../errors.js';
import type { FlowRoutineDefinition } from '../flow/definition.js';
import { Flow } from '../flow/flow.js';
import { Routine } from '../routine/routine.js';
import { UsageError } from './usage.js';

/** A flow read from a definition file, or what stopped it from being read. */
export type FlowFileResult = { readonly flow: Flow } | { readonly problem: { readonly code: string; readonly message: string } };

/**
 * Reads a flow definition (JSON) and builds it with stand-in routines shaped like the definition says (its
 * slots and events): the CLI has no routine classes, and validating or drawing needs only the shape.
 * A file that cannot be read is a UsageError (exit 2); a file that is not a valid definition is a problem.
 */
export function readFlowFile(path: string): FlowFileResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (error) {
    return { problem: { code: 'NOT_JSON', message: `${path} is not JSON: ${(error as Error).message}` } };
  }
  try {
    return { flow: Flow.fromJSON(definition as never, standIn) };
  } catch (error) {
    if (error instanceof RoutiluxError) return { problem: { code: error.code, message: error.message } };
    throw error;
  }
}

/** A routine with the definition's type, slots and events, and logic that does nothing. */
function standIn(type: string, definition: FlowRoutineDefinition): Routine {
  const routine = new Routine().setType(type);
  for (const slot of Array.isArray(definition.slots) ? definition.slots : []) routine.addSlot(slot.name, { maxQueueLength: slot.maxQueueLength });
  for (const event of Array.isArray(definition.events) ? definition.events : []) routine.addEvent(event.name, event.params);
  return routine.setLogic(() => {});
}
