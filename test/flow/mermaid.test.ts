import { describe, expect, it } from 'vitest';
import { Flow, Routine, defineRoutine, event, slot } from '../../src/index.js';
import { requestChainFlow, stateIsolationFlow } from './example-flows.js';

describe('flow.toMermaid()', () => {
  it('draws routines with their type, slots and events, and connections labelled event → slot', () => {
    expect(requestChainFlow().toMermaid()).toBe(
      [
        'flowchart LR',
        '  %% flow "request_chain"',
        '  r0["auth (Auth)<br/>slots: request<br/>events: authorized"]',
        '  r1["business (Business)<br/>slots: input"]',
        '  r0 -->|"authorized → input"| r1',
        '',
      ].join('\n'),
    );
  });

  it('draws every connection of fan-out and fan-in, and routines nothing connects to', () => {
    const split = defineRoutine({ name: 'Split', slots: { in: slot() }, events: { left: event(), right: event() }, logic: () => {} });
    const join = defineRoutine({ name: 'Join', slots: { a: slot(), b: slot() }, logic: () => {} });
    const flow = new Flow('diamond').addRoutine(split, 'split').addRoutine(join, 'join').connect('split', 'left', 'join', 'a').connect('split', 'right', 'join', 'b');
    flow.addRoutine(defineRoutine({ name: 'Idle', slots: { in: slot() }, logic: () => {} }), 'idle');
    expect(flow.toMermaid()).toBe(
      [
        'flowchart LR',
        '  %% flow "diamond"',
        '  r0["split (Split)<br/>slots: in<br/>events: left, right"]',
        '  r1["join (Join)<br/>slots: a, b"]',
        '  r2["idle (Idle)<br/>slots: in"]',
        '  r0 -->|"left → a"| r1',
        '  r0 -->|"right → b"| r1',
        '',
      ].join('\n'),
    );
  });

  it('escapes names so quotes, brackets and line breaks cannot break the diagram', () => {
    const odd = new Routine().setType('Fetch<"v2"> & #1 `x`').addSlot('in').setLogic(() => {});
    const flow = new Flow('a "quoted"\nflow').addRoutine(odd, 'end');
    expect(flow.toMermaid()).toBe(['flowchart LR', '  %% flow "a \\"quoted\\" flow"', '  r0["end (Fetch#60;#34;v2#34;#62; #38; #35;1 #96;x#96;)<br/>slots: in"]', ''].join('\n'));
  });

  it('shows an untyped routine by its id alone, and gives the same text for the same flow', () => {
    const flow = new Flow('plain').addRoutine(new Routine().addSlot('in').setLogic(() => {}), 'solo');
    expect(flow.toMermaid()).toContain('  r0["solo<br/>slots: in"]');
    expect(stateIsolationFlow().toMermaid()).toBe(stateIsolationFlow().toMermaid());
  });
});
