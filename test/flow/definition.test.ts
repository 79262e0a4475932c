import { afterEach, describe, expect, it } from 'vitest';
import {
  ErrorHandler,
  FLOW_DEFINITION_VERSION,
  Flow,
  MissingRoutineTypeError,
  Routine,
  Runtime,
  SerializationError,
  allSlotsReadyPolicy,
  batchSizePolicy,
  customPolicy,
  defineRoutine,
  event,
  immediatePolicy,
  slot,
  timeIntervalPolicy,
  type ActivationPolicy,
  type FlowDefinition,
} from '../../src/index.js';
import { Auth, Business, DataProcessor, exampleFactory, ordersFlow, requestChainFlow, stateDemoFlow, stateIsolationFlow } from './example-flows.js';

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown({ timeout: 1000 });
  runtime = undefined;
});

/** What a definition looks like after travelling as JSON text. */
const viaText = (flow: Flow): FlowDefinition => JSON.parse(JSON.stringify(flow)) as FlowDefinition;

class Worker extends Routine {
  constructor() {
    super();
    this.addSlot('in');
    this.addEvent('out');
    this.setLogic(() => {});
  }
}

describe('Routine type names', () => {
  it('default to the subclass name', () => {
    expect(new DataProcessor().type).toBe('DataProcessor');
    expect(new Worker().type).toBe('Worker');
  });

  it('are undefined for a plain Routine until setType names it, and setType beats the class name', () => {
    const plain = new Routine();
    expect(plain.type).toBeUndefined();
    expect(plain.setType('http.fetch').type).toBe('http.fetch');
    expect(new Worker().setType('renamed').type).toBe('renamed');
  });

  it('come from defineRoutine({ name })', () => {
    const named = defineRoutine({ name: 'fetch', slots: { input: slot<string>() }, logic: () => {} });
    expect(named.type).toBe('fetch');
    expect(defineRoutine({ slots: { input: slot() }, logic: () => {} }).type).toBeUndefined();
  });

  it('refuse empty or padded names with a typed error', () => {
    expect(() => new Routine().setType('')).toThrow(/setType\(name\) must be a non-empty string/);
    expect(() => new Routine().setType(' fetch')).toThrow(/without leading or trailing spaces/);
  });
});

describe('flow.toJSON()', () => {
  it('writes version, name, routines with type, config, policy, slots and events, and connections', () => {
    expect(requestChainFlow().toJSON()).toEqual({
      version: 1,
      name: 'request_chain',
      routines: [
        {
          id: 'auth',
          type: 'Auth',
          config: {},
          policy: { name: 'immediate', params: {} },
          slots: [{ name: 'request', maxQueueLength: 10_000 }],
          events: [{ name: 'authorized', params: ['action'] }],
        },
        { id: 'business', type: 'Business', config: {}, policy: { name: 'immediate', params: {} }, slots: [{ name: 'input', maxQueueLength: 10_000 }], events: [] },
      ],
      connections: [{ from: 'auth', event: 'authorized', to: 'business', slot: 'input' }],
    });
    expect(FLOW_DEFINITION_VERSION).toBe(1);
  });

  it("adds the flow's and routines' error handlers and the job timeout when set", () => {
    const flow = new Flow('guarded', { errorHandler: new ErrorHandler({ strategy: 'continue' }), jobTimeout: 2500 });
    flow.addRoutine(new Worker().setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 5, retryDelay: 10, retryBackoff: 3 })), 'w');
    const def = flow.toJSON();
    expect(def.errorHandler).toEqual({ strategy: 'continue', maxRetries: 3, retryDelay: 100, retryBackoff: 2 });
    expect(def.jobTimeout).toBe(2500);
    expect(def.routines[0]!.errorHandler).toEqual({ strategy: 'retry', maxRetries: 5, retryDelay: 10, retryBackoff: 3 });
  });

  it('has a fixed key order, with config keys sorted at every depth', () => {
    const flow = new Flow('ordered', { jobTimeout: 10, errorHandler: new ErrorHandler() });
    flow.addRoutine(new Worker().setConfig({ zeta: 1, alpha: { y: 2, b: [{ d: 1, c: 2 }] } }).setErrorHandler(new ErrorHandler()), 'w');
    const def = flow.toJSON();
    expect(Object.keys(def)).toEqual(['version', 'name', 'errorHandler', 'jobTimeout', 'routines', 'connections']);
    expect(Object.keys(def.routines[0]!)).toEqual(['id', 'type', 'config', 'policy', 'errorHandler', 'slots', 'events']);
    expect(JSON.stringify(def.routines[0]!.config)).toBe('{"alpha":{"b":[{"c":2,"d":1}],"y":2},"zeta":1}');
  });

  it('is what JSON.stringify(flow) writes', () => {
    const flow = stateIsolationFlow();
    expect(JSON.parse(JSON.stringify(flow))).toEqual(flow.toJSON());
  });

  it('refuses a routine without a type name, saying how to name it', () => {
    const flow = new Flow('anonymous').addRoutine(new Routine().addSlot('in').setLogic(() => {}), 'nameless');
    expect(() => flow.toJSON()).toThrow(MissingRoutineTypeError);
    try {
      flow.toJSON();
    } catch (error) {
      expect((error as MissingRoutineTypeError).code).toBe('ROUTINE_TYPE_MISSING');
      expect((error as Error).message).toMatch(/Routine "nameless" of flow "anonymous" has no type name.*routine\.setType\("myType"\).*defineRoutine\(\{ name/);
    }
  });

  it('refuses config that is not plain data when it is set, naming the path', () => {
    expect(() => new Worker().setConfig({ db: { connect: () => 1 } })).toThrow(SerializationError);
    expect(() => new Worker().setConfig({ db: { connect: () => 1 } })).toThrow(/config\.db\.connect: function connect is not serializable/);
  });
});

describe('Flow.fromJSON round trips', () => {
  it.each([
    ['state-demo', stateDemoFlow],
    ['state-isolation', stateIsolationFlow],
    ['request-chain', requestChainFlow],
    ['inspect-and-export', ordersFlow],
  ])('rebuilds the %s example flow to the same definition, also through JSON text', (_name, build) => {
    const original = build();
    const rebuilt = Flow.fromJSON(viaText(original), exampleFactory);
    expect(rebuilt.toJSON()).toEqual(original.toJSON());
    expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(original));
    expect(rebuilt.toMermaid()).toBe(original.toMermaid());
  });

  it('builds routines from a map of type name → class', () => {
    const rebuilt = Flow.fromJSON(requestChainFlow().toJSON(), { Auth, Business });
    expect(rebuilt.getRoutine('auth')).toBeInstanceOf(Auth);
    expect(rebuilt.getRoutine('business')).toBeInstanceOf(Business);
    expect(rebuilt.connections).toEqual([{ from: 'auth', event: 'authorized', to: 'business', slot: 'input' }]);
  });

  it('passes config to function factories and applies it over the routine its class builds', () => {
    const rebuilt = Flow.fromJSON(stateIsolationFlow().toJSON(), exampleFactory);
    expect(rebuilt.getRoutine('routine_b')!.getConfig('routineName')).toBe('routine_b');

    const def = stateIsolationFlow().toJSON();
    const edited = { ...def, routines: def.routines.map((r) => ({ ...r, config: { ...r.config, extra: r.id } })) };
    expect(Flow.fromJSON(edited, exampleFactory).getRoutine('routine_c')!.config).toEqual({ routineName: 'routine_c', extra: 'routine_c' });
  });

  it('gives the rebuilt flow working routines: the request chain runs end to end', async () => {
    runtime = new Runtime();
    const rebuilt = Flow.fromJSON(viaText(requestChainFlow()), { Auth, Business });
    const [, job] = runtime.post(rebuilt, 'auth', 'request', { token: 'token-alice' });
    await job.done();
    expect(job.status).toBe('completed');
    expect(job.getData('outcome')).toBe('alice may delete-report');
  });

  it.each<[string, () => ActivationPolicy]>([
    ['immediate', () => immediatePolicy()],
    ['batchSize', () => batchSizePolicy(7)],
    ['allSlotsReady', () => allSlotsReadyPolicy()],
    ['timeInterval', () => timeIntervalPolicy(250)],
  ])('restores the built-in %s policy with its params', (name, make) => {
    const policy = make();
    const flow = new Flow('policies').addRoutine(new Worker().setActivationPolicy(policy), 'w');
    const def = viaText(flow);
    expect(def.routines[0]!.policy).toEqual({ name, params: { ...policy.params } });
    // The factory's routine starts with a different policy, so only the definition can set this one.
    const restored = Flow.fromJSON(def, () => new Worker().setActivationPolicy(customPolicy(() => false, 'other'))).getRoutine('w')!.activationPolicy;
    expect(restored.name).toBe(name);
    expect(restored.params).toEqual(policy.params);
    expect(Flow.fromJSON(def, { Worker }).toJSON()).toEqual(flow.toJSON());
  });

  it('keeps the custom policy the factory routine already has', () => {
    const rule = customPolicy(() => true, 'everyOther');
    class Gate extends Worker {
      constructor() {
        super();
        this.setActivationPolicy(rule);
      }
    }
    const flow = new Flow('custom').addRoutine(new Gate(), 'gate');
    expect(flow.toJSON().routines[0]!.policy).toEqual({ name: 'everyOther', params: {} });
    const rebuilt = Flow.fromJSON(viaText(flow), { Gate });
    expect(rebuilt.getRoutine('gate')!.activationPolicy).toBe(rule);
    expect(rebuilt.toJSON()).toEqual(flow.toJSON());
  });

  it.each(['stop', 'continue', 'retry', 'skip'] as const)('restores a %s error handler on the flow and on a routine', (strategy) => {
    const handler = new ErrorHandler({ strategy, maxRetries: 4, retryDelay: 20, retryBackoff: 1.5 });
    const flow = new Flow('handlers', { errorHandler: handler }).addRoutine(new Worker().setErrorHandler(handler), 'w');
    const rebuilt = Flow.fromJSON(viaText(flow), { Worker });
    expect(rebuilt.errorHandler).toBeInstanceOf(ErrorHandler);
    expect(rebuilt.errorHandler!.toJSON()).toEqual(handler.toJSON());
    expect(rebuilt.getRoutine('w')!.errorHandler!.toJSON()).toEqual(handler.toJSON());
    expect(rebuilt.toJSON()).toEqual(flow.toJSON());
  });

  it("keeps the factory routine's own error handler when its settings match, so isRetryable survives", () => {
    const isRetryable = (error: unknown) => error instanceof TypeError;
    class Careful extends Worker {
      constructor() {
        super();
        this.setErrorHandler(new ErrorHandler({ strategy: 'retry', isRetryable }));
      }
    }
    const rebuilt = Flow.fromJSON(new Flow('careful').addRoutine(new Careful(), 'c').toJSON(), { Careful });
    expect(rebuilt.getRoutine('c')!.errorHandler!.isRetryable).toBe(isRetryable);
  });

  it('the definition decides the error handler: a different one replaces, none clears the class default', () => {
    class Defaulted extends Worker {
      constructor() {
        super();
        this.setErrorHandler(new ErrorHandler({ strategy: 'skip' }));
      }
    }
    const cleared = new Flow('cleared').addRoutine(new Defaulted().setErrorHandler(undefined), 'd');
    expect(Flow.fromJSON(cleared.toJSON(), { Defaulted }).getRoutine('d')!.errorHandler).toBeUndefined();
    const changed = new Flow('changed').addRoutine(new Defaulted().setErrorHandler(new ErrorHandler({ strategy: 'continue' })), 'd');
    expect(Flow.fromJSON(changed.toJSON(), { Defaulted }).getRoutine('d')!.errorHandler!.strategy).toBe('continue');
  });

  it('restores the job timeout, and a flow without one stays without', () => {
    const timed = new Flow('timed', { jobTimeout: 1234 }).addRoutine(new Worker(), 'w');
    expect(Flow.fromJSON(viaText(timed), { Worker }).jobTimeout).toBe(1234);
    const untimed = Flow.fromJSON(viaText(new Flow('untimed').addRoutine(new Worker(), 'w')), { Worker });
    expect(untimed.jobTimeout).toBeUndefined();
    expect(untimed.errorHandler).toBeUndefined();
    expect('jobTimeout' in untimed.toJSON()).toBe(false);
  });

  it('gives a defineRoutine routine without a name the type it was asked for, so it can be written again', () => {
    const flow = new Flow('typed').addRoutine(defineRoutine({ name: 'echo', slots: { in: slot() }, events: { out: event(['v']) }, logic: () => {} }), 'e');
    const rebuilt = Flow.fromJSON(flow.toJSON(), () => defineRoutine({ slots: { in: slot() }, events: { out: event(['v']) }, logic: () => {} }));
    expect(rebuilt.getRoutine('e')!.type).toBe('echo');
    expect(rebuilt.toJSON()).toEqual(flow.toJSON());
  });

  it('round-trips fan-out, fan-in and cycles in connection order', () => {
    const flow = new Flow('graph')
      .addRoutine(new Worker(), 'a')
      .addRoutine(new Worker(), 'b')
      .addRoutine(new Worker(), 'c')
      .connect('a', 'out', 'c', 'in')
      .connect('a', 'out', 'b', 'in')
      .connect('b', 'out', 'c', 'in')
      .connect('c', 'out', 'a', 'in');
    const rebuilt = Flow.fromJSON(viaText(flow), { Worker });
    expect(rebuilt.connections.map((c) => `${c.from}->${c.to}`)).toEqual(['a->c', 'a->b', 'b->c', 'c->a']);
    expect(rebuilt.toJSON()).toEqual(flow.toJSON());
  });
});
