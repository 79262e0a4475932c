import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMachine, type AnyStateMachine } from 'xstate';
import { exportMachines, exportedMachines, machineConfig } from '../../machines/export.js';
import { jobMachine, runtimeMachine, workerMachine } from '../../machines/index.js';

const committed = (name: string) => readFileSync(new URL(`../../machines/${name}`, import.meta.url), 'utf8');

type Config = { states?: Record<string, Config>; on?: Record<string, unknown>; always?: unknown; entry?: unknown; exit?: unknown; type?: string };

/** Every event name handled anywhere in a config, and every action name used. */
function namesIn(config: Config): { events: Set<string>; actions: Set<string> } {
  const events = new Set<string>();
  const actions = new Set<string>();
  const addActions = (value: unknown): void => {
    if (typeof value === 'string') actions.add(value);
    else if (Array.isArray(value)) value.forEach(addActions);
    else if (typeof value === 'object' && value !== null) {
      const v = value as { type?: unknown; actions?: unknown };
      if (typeof v.type === 'string') actions.add(v.type);
      if (v.actions !== undefined) addActions(v.actions);
    }
  };
  const visit = (node: Config): void => {
    for (const [event, transition] of Object.entries(node.on ?? {})) {
      events.add(event);
      if (typeof transition === 'object') addActions(transition);
    }
    if (typeof node.always === 'object') addActions(node.always);
    addActions(node.entry);
    addActions(node.exit);
    for (const child of Object.values(node.states ?? {})) visit(child);
  };
  visit(config);
  return { events, actions };
}

/** XState's resolved definition as plain data (what the editor would build from the imported config). */
const definition = (machine: AnyStateMachine) => JSON.parse(JSON.stringify(machine.toJSON())) as unknown;

describe('npm run machines:export', () => {
  it('the committed machines/*.json files are what the machine definitions export now', () => {
    const files = exportMachines();
    expect(Object.keys(files)).toEqual(['runtime.machine.json', 'worker.machine.json', 'job.machine.json']);
    for (const [name, text] of Object.entries(files)) {
      // If this fails, a machine changed: run `npm run machines:export` and commit the JSON.
      expect(committed(name), `machines/${name} is out of date: run npm run machines:export`).toBe(text);
    }
  });

  it('exports every state machine machines/index.ts exports', async () => {
    const machines = Object.values(await import('../../machines/index.js')).filter(
      (value): value is AnyStateMachine => typeof value === 'object' && value !== null && 'config' in value && 'root' in value,
    );
    expect(machines.length).toBeGreaterThanOrEqual(3);
    for (const machine of machines) expect(Object.values(exportedMachines)).toContain(machine);
  });

  it('exports the same text on every run, and nothing but JSON data', () => {
    expect(exportMachines()).toEqual(exportMachines());
    for (const text of Object.values(exportMachines())) {
      expect(text).not.toMatch(/=>|function/);
      expect(JSON.stringify(JSON.parse(text), null, 2) + '\n').toBe(text);
    }
  });

  it('each file, passed to createMachine as the editor does, gives back the same machine structure', () => {
    for (const [stem, machine] of Object.entries(exportedMachines)) {
      const imported = createMachine(JSON.parse(committed(`${stem}.machine.json`)));
      expect(imported.id).toBe(machine.id);
      expect(definition(imported)).toEqual(definition(machine));
    }
  });

  it('the worker machine: its states, the events it handles and its named actions', () => {
    const config = JSON.parse(committed('worker.machine.json')) as Config;
    expect(Object.keys(config.states!)).toEqual(['starting', 'standby', 'handingOver', 'running', 'paused', 'stopping', 'stopped']);
    expect(config.states!.stopped!.type).toBe('final');
    const { events, actions } = namesIn(config);
    expect([...events].sort()).toEqual(['demote', 'host', 'job.post', 'jobs.drained', 'pause', 'resume', 'state.update', 'stop']);
    expect([...actions].sort()).toEqual([
      'activations.hold',
      'activations.release',
      'job.refuse',
      'job.spawn',
      'jobs.cancelAll',
      'jobs.stopHub',
      'state.apply',
      'state.reset',
      'worker.standby',
      'worker.stopped',
    ]);
    expect(machineConfig(workerMachine)).not.toHaveProperty('context');
  });

  it('the job machine: running and four final states, its events, named guards and actions', () => {
    const config = JSON.parse(committed('job.machine.json')) as Config;
    expect(Object.keys(config.states!)).toEqual(['running', 'completed', 'failed', 'cancelled', 'timedOut']);
    for (const end of ['completed', 'failed', 'cancelled', 'timedOut']) expect(config.states![end]!.type).toBe('final');
    const { events, actions } = namesIn(config);
    expect([...events].sort()).toEqual(['job.cancel', 'job.fail', 'job.idle', 'job.timeout', 'routine.done', 'slot.enqueue', 'timer.fire']);
    expect([...actions].sort()).toEqual(['job.finish']);
    // Work events end the job by named guards alone: failed first, then completed at quiescence.
    const workThenCheck = [
      { guard: 'job.hasFailed', target: '#job.failed' },
      { guard: 'job.isQuiescent', target: '#job.completed' },
    ];
    for (const work of ['routine.done', 'slot.enqueue', 'timer.fire']) expect(config.states!.running!.on![work]).toEqual(workThenCheck);
    expect(config.states!.completed!.entry).toEqual({ type: 'job.finish', params: { outcome: 'completed' } });
    expect(machineConfig(jobMachine)).toEqual(JSON.parse(committed('job.machine.json')));
  });

  it('the runtime machine: running and shutDown, worker crashes by wildcard', () => {
    const config = JSON.parse(committed('runtime.machine.json')) as Config;
    expect(Object.keys(config.states!)).toEqual(['running', 'shutDown']);
    const { events, actions } = namesIn(config);
    expect([...events].sort()).toEqual(['shutdown', 'xstate.error.actor.*']);
    expect([...actions].sort()).toEqual(['worker.crashed']);
    expect(machineConfig(runtimeMachine)).toEqual(config);
  });

  it('refuses a config holding something JSON cannot carry, naming where it is', () => {
    const machine = createMachine({ id: 'bad', initial: 'a', states: { a: { meta: { when: new Date(0) } } } });
    expect(() => machineConfig(machine)).toThrow(/bad\.states\.a\.meta\.when is .*JSON cannot hold/);
  });
});
