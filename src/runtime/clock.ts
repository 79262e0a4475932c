// The clock and delay checks live in leaf modules (src/util/) so that routines, policies, flows and the job
// engine can use them without importing the runtime; this module keeps the runtime's own import path.
export { systemClock, type Clock } from '../util/clock.js';
export { MAX_TIMER_DELAY, assertDelay } from '../util/delay.js';
