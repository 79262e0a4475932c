import { describe, expect, it } from 'vitest';
import {
  DuplicateIdError,
  EventNotFoundError,
  Flow,
  InvalidArgumentError,
  Routine,
  RoutineNotFoundError,
  SerializationError,
  SlotNotFoundError,
  UnknownRoutineTypeError,
  UnsupportedFlowDefinitionVersionError,
  customPolicy,
  type FlowDefinition,
  type RoutiluxError,
} from '../../src/index.js';
import { Auth, Business, requestChainFlow } from './example-flows.js';

const factory = { Auth, Business };

/** A valid definition to break one piece at a time; a mutable JSON copy, as a parsed file would be. */
type Json = Record<string, unknown> & { routines: Record<string, unknown>[]; connections: Record<string, unknown>[] };
const good = (): Json => JSON.parse(JSON.stringify(requestChainFlow())) as Json;
const read = (def: unknown, f: Parameters<typeof Flow.fromJSON>[1] = factory) => () => Flow.fromJSON(def as FlowDefinition, f);

/** Asserts the error's class, code and a fragment of its fix-it message. */
function expectError(run: () => unknown, type: abstract new (...args: never[]) => RoutiluxError, code: string, message: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  expect((thrown as RoutiluxError).code).toBe(code);
  expect((thrown as Error).message).toMatch(message);
}

describe('Flow.fromJSON refuses bad definitions with typed errors', () => {
  it('a definition that is not an object', () => {
    expectError(read('{"version":1}'), InvalidArgumentError, 'INVALID_ARGUMENT', /^definition must be a flow definition object: what flow\.toJSON\(\) returns/);
    expectError(read([]), InvalidArgumentError, 'INVALID_ARGUMENT', /definition must be a flow definition object.*received an array of 0/);
  });

  it('a missing version', () => {
    const { version: _dropped, ...def } = good();
    expectError(read(def), UnsupportedFlowDefinitionVersionError, 'FLOW_DEFINITION_VERSION', /has no "version" field.*Add "version": 1/);
  });

  it('an unsupported version', () => {
    expectError(read({ ...good(), version: 2 }), UnsupportedFlowDefinitionVersionError, 'FLOW_DEFINITION_VERSION', /version 2 is not supported: this routilux reads version 1\. Re-export/);
    expectError(read({ ...good(), version: '1' }), UnsupportedFlowDefinitionVersionError, 'FLOW_DEFINITION_VERSION', /version "1" is not supported/);
  });

  it('an unknown routine type, listing the known ones', () => {
    const def = good();
    def.routines[1]!.type = 'Billing';
    expectError(read(def), UnknownRoutineTypeError, 'UNKNOWN_ROUTINE_TYPE', /Routine "business" has type "Billing", which the routine factory does not know\. Known types: "Auth", "Business"\. Add it to the factory/);
  });

  it('a type that only exists on Object.prototype is still unknown', () => {
    const def = good();
    def.routines[0]!.type = 'constructor';
    expectError(read(def), UnknownRoutineTypeError, 'UNKNOWN_ROUTINE_TYPE', /type "constructor", which the routine factory does not know/);
  });

  it('a function factory that returns no routine', () => {
    expectError(read(good(), () => undefined as unknown as Routine), UnknownRoutineTypeError, 'UNKNOWN_ROUTINE_TYPE', /returned undefined for type "Auth" \(routine "auth"\)\. Return a new Routine/);
  });

  it('a factory that returns the same routine twice', () => {
    const shared = new Auth();
    const def = good();
    def.routines[1]!.type = 'Auth';
    expectError(read(def, () => shared), InvalidArgumentError, 'INVALID_ARGUMENT', /result for "business" must be a new Routine on every call \(it returned the same one as for "auth"/);
  });

  it('a factory map whose class is not a Routine', () => {
    class NotARoutine {
      readonly type = 'x';
    }
    expectError(read(good(), { Auth: NotARoutine as unknown as typeof Auth, Business }), InvalidArgumentError, 'INVALID_ARGUMENT', /routine factory entry "Auth" must be a class that extends Routine/);
  });

  it('a factory that is neither a map nor a function', () => {
    expectError(read(good(), null as unknown as typeof factory), InvalidArgumentError, 'INVALID_ARGUMENT', /factory\) must be a map of type name → routine class/);
  });

  it('duplicate routine ids', () => {
    const def = good();
    def.routines.push({ ...def.routines[0]! });
    expectError(read(def), DuplicateIdError, 'DUPLICATE_ID', /definition\.routines\[2\] repeats definition\.routines\[0\]\) already has a routine with id "auth"\. Ids must be unique/);
  });

  it('a connection from an unknown routine', () => {
    const def = good();
    def.connections[0]!.from = 'login';
    expectError(read(def), RoutineNotFoundError, 'ROUTINE_NOT_FOUND', /Flow "request_chain" has no routine "login"\. Its routines are "auth", "business"/);
  });

  it('a connection to an unknown routine', () => {
    const def = good();
    def.connections[0]!.to = 'billing';
    expectError(read(def), RoutineNotFoundError, 'ROUTINE_NOT_FOUND', /has no routine "billing"/);
  });

  it('a connection naming an unknown event', () => {
    const def = good();
    def.connections[0]!.event = 'denied';
    expectError(read(def), EventNotFoundError, 'EVENT_NOT_FOUND', /Routine "auth" has no event "denied"\. Its events are "authorized"/);
  });

  it('a connection naming an unknown slot', () => {
    const def = good();
    def.connections[0]!.slot = 'request';
    expectError(read(def), SlotNotFoundError, 'SLOT_NOT_FOUND', /Routine "business" has no slot "request"\. Its slots are "input"/);
  });

  it('a repeated connection', () => {
    const def = good();
    def.connections.push({ ...def.connections[0]! });
    expectError(read(def), DuplicateIdError, 'DUPLICATE_ID', /connection with id "auth\.authorized -> business\.input"/);
  });

  it.each<[string, (def: Json) => void, RegExp]>([
    ['a missing name', (d) => delete d.name, /^definition\.name must be present: a flow definition has version, name, routines, connections/],
    ['a misspelt key', (d) => ((d.conections = d.connections), delete (d as Partial<Json>).connections), /^definition\.connections must be present/],
    ['an unknown key', (d) => (d.owner = 'me'), /^definition\.owner must be absent: a flow definition has .*\(and optionally errorHandler, jobTimeout\)/],
    ['routines that are not an array', (d) => (d.routines = {} as never), /^definition\.routines must be an array; received an object/],
    ['a routine that is not an object', (d) => (d.routines[1] = 'business' as never), /^definition\.routines\[1\] must be a routine definition object/],
    ['a routine id that is not a string', (d) => (d.routines[1]!.id = 7), /^definition\.routines\[1\]\.id must be a non-empty string; received 7/],
    ['a routine id that is not a valid name', (d) => (d.routines[1]!.id = 'two words'), /^definition\.routines\[1\]\.id: routine id name must be a non-empty string of letters/],
    ['an empty type', (d) => (d.routines[0]!.type = ''), /^definition\.routines\[0\]\.type must be a non-empty string/],
    ['a missing config', (d) => delete d.routines[0]!.config, /^definition\.routines\[0\]\.config must be present/],
    ['a config that is not an object', (d) => (d.routines[0]!.config = [1]), /^definition\.routines\[0\]\.config must be an object of config values/],
    ['a policy without params', (d) => (d.routines[0]!.policy = { name: 'immediate' }), /^definition\.routines\[0\]\.policy\.params must be present: a policy has name, params/],
    ['policy params that are not numbers', (d) => (d.routines[0]!.policy = { name: 'batchSize', params: { n: '5' } }), /^definition\.routines\[0\]\.policy\.params must be an object of numbers/],
    ['a builtin policy missing a param', (d) => (d.routines[0]!.policy = { name: 'batchSize', params: {} }), /^definition\.routines\[0\]\.policy\.params\.n must be a number \(batchSize takes \{ n \}\)/],
    ['a builtin policy with an extra param', (d) => (d.routines[0]!.policy = { name: 'immediate', params: { n: 1 } }), /^definition\.routines\[0\]\.policy\.params\.n must be absent: immediate takes no params/],
    ['a builtin policy with a bad param', (d) => (d.routines[0]!.policy = { name: 'batchSize', params: { n: 0 } }), /^definition\.routines\[0\]\.policy\.params: batchSizePolicy\(n\) must be a positive integer; received 0/],
    ['a negative interval', (d) => (d.routines[0]!.policy = { name: 'timeInterval', params: { ms: -1 } }), /^definition\.routines\[0\]\.policy\.params: timeIntervalPolicy\(ms\) must be a number of milliseconds >= 0/],
    ['an error handler with a bad strategy', (d) => (d.routines[1]!.errorHandler = { strategy: 'explode', maxRetries: 1, retryDelay: 1, retryBackoff: 1 }), /^definition\.routines\[1\]\.errorHandler: ErrorHandler strategy must be one of stop, continue, retry, skip; received "explode"/],
    ['an error handler missing a field', (d) => (d.errorHandler = { strategy: 'stop', maxRetries: 1, retryDelay: 1 }), /^definition\.errorHandler\.retryBackoff must be present: an error handler has strategy, maxRetries, retryDelay, retryBackoff/],
    ['a flow error handler with negative retries', (d) => (d.errorHandler = { strategy: 'retry', maxRetries: -1, retryDelay: 1, retryBackoff: 1 }), /^definition\.errorHandler: ErrorHandler maxRetries must be an integer >= 0; received -1/],
    ['a job timeout that is not positive', (d) => (d.jobTimeout = 0), /^definition\.jobTimeout must be a number of milliseconds > 0 \(leave it out for no default timeout\); received 0/],
    ['slots that are not an array', (d) => (d.routines[0]!.slots = 'request'), /^definition\.routines\[0\]\.slots must be an array/],
    ['a slot with a bad queue length', (d) => (d.routines[0]!.slots = [{ name: 'request', maxQueueLength: 0 }]), /^definition\.routines\[0\]\.slots\[0\]\.maxQueueLength must be a positive integer/],
    ['an event param that is not a string', (d) => (d.routines[0]!.events = [{ name: 'authorized', params: [1] }]), /^definition\.routines\[0\]\.events\[0\]\.params\[0\] must be a non-empty string/],
    ['connections that are not an array', (d) => (d.connections = null as never), /^definition\.connections must be an array; received null/],
    ['a connection missing its slot', (d) => delete d.connections[0]!.slot, /^definition\.connections\[0\]\.slot must be present: a connection has from, event, to, slot/],
    ['a connection with a number for a name', (d) => (d.connections[0]!.event = 3), /^definition\.connections\[0\]\.event must be a non-empty string; received 3/],
  ])('a malformed shape: %s, naming the path', (_case, breakIt, message) => {
    const def = good();
    breakIt(def);
    expectError(read(def), InvalidArgumentError, 'INVALID_ARGUMENT', message);
  });

  it('config that JSON cannot carry, naming the path', () => {
    const def = good();
    def.routines[0]!.config = { limit: Number.NaN };
    expectError(read(def), SerializationError, 'NOT_SERIALIZABLE', /^definition\.routines\[0\]\.config\.limit: NaN is not JSON-serializable/);
  });

  it('a custom policy the factory routine does not have, saying to set it in the routine', () => {
    const def = good();
    def.routines[0]!.policy = { name: 'everyOther', params: {} };
    expectError(
      read(def),
      InvalidArgumentError,
      'INVALID_ARGUMENT',
      /^definition\.routines\[0\]\.policy\.name must be a built-in policy \(immediate, batchSize, allSlotsReady, timeInterval\) or the custom policy the factory's "Auth" already has \("immediate"\).*customPolicy\(fn, "everyOther"\)/,
    );
    const withRule = () => new Auth().setActivationPolicy(customPolicy(() => true, 'everyOther'));
    expect(Flow.fromJSON(def as unknown as FlowDefinition, (type) => (type === 'Auth' ? withRule() : new Business())).getRoutine('auth')!.activationPolicy.name).toBe('everyOther');
  });

  it('checks the whole definition before building any routine', () => {
    const def = good();
    def.connections[0]!.slot = 5;
    const asked: string[] = [];
    expect(read(def, (type) => (asked.push(type), new Auth()))).toThrow(/definition\.connections\[0\]\.slot/);
    expect(asked).toEqual([]);
  });
});
