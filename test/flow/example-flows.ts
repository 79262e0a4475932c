/**
 * The flows of the runnable examples, imported from the examples themselves (they only run when executed), and
 * a factory that rebuilds their routines from flow definitions.
 */
import type { RoutineFactory } from '../../src/index.js';
import { notify, ordersFlow, price, validate } from '../../examples/inspect-and-export.js';
import { Auth, Business, requestChainFlow } from '../../examples/request-chain.js';
import { DataProcessor, stateDemoFlow } from '../../examples/state-demo.js';
import { StateDemoRoutine, stateIsolationFlow } from '../../examples/state-isolation.js';

export { Auth, Business, DataProcessor, StateDemoRoutine, ordersFlow, requestChainFlow, stateDemoFlow, stateIsolationFlow };

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
    // defineRoutine gives instances rather than classes; each appears once in its flow.
    case 'Validate':
      return validate;
    case 'Price':
      return price;
    case 'Notify':
      return notify;
    default:
      throw new Error(`no routine type ${type}`);
  }
};
