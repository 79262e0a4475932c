import { RoutiluxError, list, describe } from './base.js';

/** `FLOW_NOT_FOUND`: a flow named by string is not in the FlowRegistry; lists the registered names. */
export class FlowNotFoundError extends RoutiluxError {
  constructor(
    readonly flowName: string,
    readonly knownFlows: readonly string[],
  ) {
    super(
      'FLOW_NOT_FOUND',
      `Flow "${flowName}" is not registered. Registered flows: ${list(knownFlows)}. ` +
        `Register it first with FlowRegistry.getInstance().registerByName("${flowName}", flow), or pass the Flow object itself.`,
    );
  }
}

/** `ROUTINE_NOT_FOUND`: a routine id the flow does not have (connect, post); lists its routine ids. */
export class RoutineNotFoundError extends RoutiluxError {
  constructor(
    readonly routineId: string,
    readonly flowName: string,
    readonly knownRoutines: readonly string[],
  ) {
    super(
      'ROUTINE_NOT_FOUND',
      `Flow "${flowName}" has no routine "${routineId}". Its routines are ${list(knownRoutines)}. ` +
        `Add it with flow.addRoutine(routine, "${routineId}") or use one of the ids above.`,
    );
  }
}

/** `SLOT_NOT_FOUND`: a slot the routine does not declare (connect, post); lists its slots. */
export class SlotNotFoundError extends RoutiluxError {
  constructor(
    readonly slotName: string,
    readonly routineId: string,
    readonly knownSlots: readonly string[],
  ) {
    super(
      'SLOT_NOT_FOUND',
      `Routine "${routineId}" has no slot "${slotName}". Its slots are ${list(knownSlots)}. ` +
        `Declare it with this.addSlot("${slotName}") or use one of the slots above.`,
    );
  }
}

/** `EVENT_NOT_FOUND`: an event the routine does not declare (connect, emit); lists its events. */
export class EventNotFoundError extends RoutiluxError {
  constructor(
    readonly eventName: string,
    readonly routineId: string,
    readonly knownEvents: readonly string[],
  ) {
    super(
      'EVENT_NOT_FOUND',
      `Routine "${routineId}" has no event "${eventName}". Its events are ${list(knownEvents)}. ` +
        `Declare it with this.addEvent("${eventName}") before emitting or connecting it.`,
    );
  }
}

/** `DUPLICATE_ID`: an id (slot, event, routine, connection, worker, job) already taken where it must be unique. */
export class DuplicateIdError extends RoutiluxError {
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly where: string,
  ) {
    super('DUPLICATE_ID', `${where} already has a ${kind} with id "${id}". Ids must be unique there: choose another id.`);
  }
}

/**
 * One finding of flow.validate(): an `error` refuses the flow; a `warning` is reported (through the runtime's
 * onWarning) and refuses it only under `strict`.
 */
export interface FlowProblem {
  readonly severity: 'error' | 'warning';
  /** Stable machine-readable name of the problem, e.g. `UNKNOWN_ROUTINE`; match on this, not on the message. */
  readonly code: string;
  /** Says what is wrong and how to fix it. */
  readonly message: string;
}

/**
 * `FLOW_INVALID`: flow.validate() found errors (or, under `strict`, warnings) when a worker was to start the flow;
 * `problems` lists them all.
 */
export class FlowValidationError extends RoutiluxError {
  constructor(
    readonly flowName: string,
    readonly problems: readonly FlowProblem[],
  ) {
    // Under `strict`, warnings alone refuse a flow: then they are what the message lists.
    const errors = problems.some((p) => p.severity === 'error') ? problems.filter((p) => p.severity === 'error') : problems;
    super(
      'FLOW_INVALID',
      `Flow "${flowName}" is invalid (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n` +
        errors.map((p) => `  - ${p.message}`).join('\n') +
        `\nFix these (flow.validate() lists them) before running the flow.`,
    );
  }
}

/** `ROUTINE_TYPE_MISSING`: flow.toJSON() met a routine with no type name, so a definition could not rebuild it. */
export class MissingRoutineTypeError extends RoutiluxError {
  constructor(
    readonly routineId: string,
    readonly flowName: string,
  ) {
    super(
      'ROUTINE_TYPE_MISSING',
      `Routine "${routineId}" of flow "${flowName}" has no type name, so a flow definition cannot say how to rebuild it. ` +
        `Make it a subclass (class MyRoutine extends Routine: the class name is the type), call routine.setType("myType"), ` +
        `or pass a name to defineRoutine({ name: "myType", ... }).`,
    );
  }
}

/** `UNKNOWN_ROUTINE_TYPE`: Flow.fromJSON's factory has no routine for a definition's type, or returned no Routine. */
export class UnknownRoutineTypeError extends RoutiluxError {
  constructor(
    readonly routineType: string,
    readonly routineId: string,
    /** The factory map's types; undefined when the factory is a function. */
    readonly knownTypes: readonly string[] | undefined,
    received?: unknown,
  ) {
    super(
      'UNKNOWN_ROUTINE_TYPE',
      knownTypes
        ? `Routine "${routineId}" has type "${routineType}", which the routine factory does not know. Known types: ` +
            `${knownTypes.length ? knownTypes.map((t) => `"${t}"`).join(', ') : '(none)'}. ` +
            `Add it to the factory ({ ${JSON.stringify(routineType)}: MyRoutineClass }) or correct the type in the definition.`
        : `The routine factory returned ${describe(received)} for type "${routineType}" (routine "${routineId}"). ` +
            `Return a new Routine for every type the definitions you read may contain.`,
    );
  }
}

/** `FLOW_DEFINITION_VERSION`: a flow definition without a version, or of a version this routilux cannot read. */
export class UnsupportedFlowDefinitionVersionError extends RoutiluxError {
  constructor(
    readonly version: unknown,
    readonly supported: number,
  ) {
    super(
      'FLOW_DEFINITION_VERSION',
      version === undefined
        ? `The flow definition has no "version" field, so it cannot be read safely. ` +
            `Add "version": ${supported} if it follows this format, or re-export it with flow.toJSON().`
        : `Flow definition version ${describe(version)} is not supported: this routilux reads version ${supported}. ` +
            `Re-export the flow with flow.toJSON() from this routilux, or use the routilux release that wrote it.`,
    );
  }
}

/**
 * A worker's checkpoint was written by a flow of another shape (routines, slots, events or connections differ)
 * than the one `exec` was given. The message lists the differences.
 */
export class FlowShapeChangedError extends RoutiluxError {
  constructor(
    readonly workerId: string,
    readonly differences: readonly string[],
  ) {
    super(
      'FLOW_SHAPE_CHANGED',
      `Worker "${workerId}" was checkpointed with a flow of another shape than the one given to exec:\n` +
        differences.map((d) => `  - ${d}`).join('\n') +
        `\nPass a migration that turns the saved worker into one this flow can run: ` +
        `exec(flow, { workerId: "${workerId}", migrate: (saved) => ({ ...saved, routineStates: { ... } }) }), ` +
        `or restore it with the flow it was saved with.`,
    );
  }
}
