import { describe, expect, it } from 'vitest';
import { FlowShapeChangedError, InvalidArgumentError } from '../../src/errors.js';
import { Flow } from '../../src/flow/flow.js';
import { checkFlowShape, diffShapes, flowShape } from '../../src/durable/index.js';
import { node } from '../helpers.js';

function orders(variant: 'v1' | 'v2'): Flow {
  const flow = new Flow('orders')
    .addRoutine(node(['input'], variant === 'v1' ? ['out'] : ['out', 'rejected'], () => {}), 'intake')
    .addRoutine(node(variant === 'v1' ? ['in'] : ['in', 'priority'], [], () => {}), 'ship');
  if (variant === 'v1') flow.addRoutine(node(['in'], [], () => {}), 'bill').connect('intake', 'out', 'bill', 'in');
  else flow.addRoutine(node(['in'], [], () => {}), 'audit').connect('intake', 'rejected', 'audit', 'in');
  return flow.connect('intake', 'out', 'ship', 'in');
}

describe('flow shape', () => {
  it('is plain, stable data: flows built alike have equal shapes', () => {
    const shape = flowShape(orders('v1'));
    expect(shape).toEqual({
      name: 'orders',
      routines: { bill: { slots: ['in'], events: [] }, intake: { slots: ['input'], events: ['out'] }, ship: { slots: ['in'], events: [] } },
      connections: ['intake.out -> bill.in', 'intake.out -> ship.in'],
    });
    expect(JSON.parse(JSON.stringify(shape))).toEqual(flowShape(orders('v1')));
    expect(diffShapes(shape, flowShape(orders('v1')))).toEqual([]);
  });

  it('names every difference in plain words', () => {
    expect(diffShapes(flowShape(orders('v1')), flowShape(orders('v2')))).toEqual([
      'routine "bill" was removed',
      'routine "audit" was added',
      'routine "intake" has new event "rejected"',
      'routine "ship" has new slot "priority"',
      'connection intake.out -> bill.in was removed',
      'connection intake.rejected -> audit.in was added',
    ]);
    const renamed = { ...flowShape(orders('v1')), name: 'orders-v2' };
    expect(diffShapes(flowShape(orders('v1')), renamed)).toEqual(['the flow was "orders" and is now "orders-v2"']);
  });

  it('restoring onto a changed shape throws FlowShapeChangedError unless a migration is given', () => {
    const saved: { flow: ReturnType<typeof flowShape>; routineStates: Record<string, unknown> } = { flow: flowShape(orders('v1')), routineStates: { bill: { total: 3 } } };
    const current = flowShape(orders('v2'));
    let error: unknown;
    try {
      checkFlowShape('orders-1', saved, current);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlowShapeChangedError);
    expect((error as FlowShapeChangedError).code).toBe('FLOW_SHAPE_CHANGED');
    expect((error as FlowShapeChangedError).differences).toContain('routine "bill" was removed');
    expect((error as Error).message).toMatch(/Worker "orders-1".*\n {2}- routine "bill" was removed[\s\S]*migrate: \(saved\) =>/);

    const migrated = checkFlowShape('orders-1', saved, current, (s) => ({ ...s, routineStates: { audit: s.routineStates.bill } }));
    expect(migrated).toEqual({ flow: current, routineStates: { audit: { total: 3 } } });
    expect(checkFlowShape('orders-1', { flow: undefined }, current)).toEqual({ flow: undefined });
    expect(checkFlowShape('orders-1', saved, flowShape(orders('v1')))).toBe(saved);
    expect(() => checkFlowShape('orders-1', saved, current, (() => undefined) as never)).toThrow(InvalidArgumentError);
    expect(() => checkFlowShape('orders-1', saved, current, 'migrate' as never)).toThrow(InvalidArgumentError);
    expect(() => flowShape({} as never)).toThrow(InvalidArgumentError);
  });
});
