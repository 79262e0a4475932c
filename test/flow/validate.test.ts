import { afterEach, describe, expect, it } from 'vitest';
import { Flow, FlowValidationError, Routine, Runtime, type FlowProblem } from '../../src/index.js';
import { node } from '../helpers.js';

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown({ timeout: 1000 });
  runtime = undefined;
});

const pass = () => node(['in'], ['out'], () => {});
const codes = (problems: FlowProblem[]) => problems.map((p) => `${p.severity} ${p.code}`);

describe('flow.validate()', () => {
  it('reports an empty flow as an error', () => {
    const problems = new Flow('empty').validate();
    expect(codes(problems)).toEqual(['error EMPTY_FLOW']);
    expect(problems[0]!.message).toMatch(/Flow "empty" has no routines: add one with flow\.addRoutine/);
  });

  it('reports a routine without logic and one without slots as errors', () => {
    const flow = new Flow('broken').addRoutine(new Routine().addSlot('in'), 'lazy').addRoutine(new Routine().setLogic(() => {}), 'deaf');
    const problems = flow.validate().filter((p) => p.severity === 'error');
    expect(problems.map((p) => p.message)).toEqual([
      'Routine "lazy" has no logic: call setLogic(fn) in its constructor.',
      'Routine "deaf" has no slots, so nothing can ever activate it: add one with addSlot(name).',
    ]);
  });

  it('warns about slots nothing feeds and events that go nowhere', () => {
    const flow = new Flow('chain').addRoutine(pass(), 'a').addRoutine(pass(), 'b').connect('a', 'out', 'b', 'in');
    expect(flow.validate()).toEqual([
      { severity: 'warning', code: 'UNCONNECTED_SLOT', message: 'Slot "a.in" has no incoming connection: it only receives posted data.' },
      { severity: 'warning', code: 'UNCONNECTED_EVENT', message: 'Event "b.out" is connected to nothing: what it emits is not delivered anywhere.' },
    ]);
  });

  it('warns about cycles, including a routine feeding itself', () => {
    const loop = new Flow('loop').addRoutine(pass(), 'a').addRoutine(pass(), 'b').connect('a', 'out', 'b', 'in').connect('b', 'out', 'a', 'in');
    expect(loop.validate()).toEqual([{ severity: 'warning', code: 'CYCLE', message: 'Cycle a -> b -> a: make sure it stops, or jobs of this flow never finish.' }]);
    const self = new Flow('self').addRoutine(pass(), 'a').connect('a', 'out', 'a', 'in');
    expect(self.validate().map((p) => p.message)).toEqual(['Cycle a -> a: make sure it stops, or jobs of this flow never finish.']);
  });

  it('leaves only the entry-slot warning on a connected acyclic flow', () => {
    const flow = new Flow('clean').addRoutine(node(['in'], ['out'], () => {}), 'a').addRoutine(node(['in'], [], () => {}), 'b').connect('a', 'out', 'b', 'in');
    expect(codes(flow.validate())).toEqual(['warning UNCONNECTED_SLOT']);
  });

  it('makes exec refuse a flow with errors, but not one with only warnings', () => {
    runtime = new Runtime();
    expect(() => runtime!.exec(new Flow('nologic').addRoutine(new Routine().addSlot('in'), 'x'))).toThrow(FlowValidationError);
    expect(() => runtime!.exec(new Flow('nologic2').addRoutine(new Routine().addSlot('in'), 'x'))).toThrow(/Routine "x" has no logic.*\nFix these \(flow\.validate\(\) lists them\)/s);
    expect(runtime.exec(new Flow('warned').addRoutine(pass(), 'a')).status).toBe('running');
  });
});
