/**
 * Flows shaped like the three examples (same ids, routine types, config and connections). The example files
 * run when imported, so their shapes are rebuilt here; the logic is a small stand-in that still lets the
 * rebuilt flows run.
 */
import { Flow, Routine, getCurrentJob, type RoutineFactory } from '../../src/index.js';

export class DataProcessor extends Routine<{ input: { key: string } }, { output: { result: string } }> {
  constructor() {
    super();
    this.addSlot('input');
    this.addEvent('output', ['result']);
    this.setLogic((slotData) => this.emit('output', { result: `processed_${slotData.input[0]!.key}` }));
  }
}

export class StateDemoRoutine extends Routine<{ input: unknown }, { output: { routine: string; count: number; jobData: string } }> {
  constructor(name: string) {
    super();
    this.addSlot('input');
    this.addEvent('output', ['routine', 'count', 'jobData']);
    this.setConfig({ routineName: name });
    this.setLogic(() => {
      getCurrentJob()!.setData(`processed_by_${this.getConfig<string>('routineName')}`, true);
      this.emit('output', { routine: this.getConfig<string>('routineName'), count: 1, jobData: 'not_set' });
    });
  }
}

export class Auth extends Routine<{ request: { token: string } }, { authorized: { action: string } }> {
  constructor() {
    super();
    this.addSlot('request');
    this.addEvent('authorized', ['action']);
    this.setLogic((slotData) => {
      getCurrentJob()!.setData('userId', slotData.request[0]!.token.replace('token-', ''));
      this.emit('authorized', { action: 'delete-report' });
    });
  }
}

export class Business extends Routine<{ input: { action: string } }> {
  constructor() {
    super();
    this.addSlot('input');
    this.setLogic((slotData) => {
      const job = getCurrentJob()!;
      job.setData('outcome', `${job.getData<string>('userId')} asked to ${slotData.input[0]!.action}`);
    });
  }
}

export function stateDemoFlow(): Flow {
  return new Flow('state_demo').addRoutine(new DataProcessor(), 'processor');
}

export function stateIsolationFlow(): Flow {
  return new Flow('isolation_demo')
    .addRoutine(new StateDemoRoutine('routine_a'), 'routine_a')
    .addRoutine(new StateDemoRoutine('routine_b'), 'routine_b')
    .addRoutine(new StateDemoRoutine('routine_c'), 'routine_c')
    .connect('routine_a', 'output', 'routine_b', 'input');
}

export function requestChainFlow(): Flow {
  return new Flow('request_chain').addRoutine(new Auth(), 'auth').addRoutine(new Business(), 'business').connect('auth', 'authorized', 'business', 'input');
}

/** StateDemoRoutine takes its name as a constructor argument, so it needs the function form of a factory. */
export const exampleFactory: RoutineFactory = (type, definition) => {
  switch (type) {
    case 'DataProcessor':
      return new DataProcessor();
    case 'StateDemoRoutine':
      return new StateDemoRoutine(String(definition.config.routineName));
    case 'Auth':
      return new Auth();
    case 'Business':
      return new Business();
    default:
      throw new Error(`no routine type ${type}`);
  }
};
