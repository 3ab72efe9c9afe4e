import { describe, expect, it } from 'vitest';
import { setConditions, type Condition } from '../../../src/controllers/conditions.ts';

const t0 = new Date('2026-11-29T10:00:00Z');
const t1 = new Date('2026-11-29T11:00:00Z');

describe('setConditions', () => {
  const first = setConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'HubReady', message: 'ok' }], 3, t0);

  it('stamps transition time and generation on a new condition', () => {
    expect(first.changed).toBe(true);
    expect(first.conditions).toEqual([
      { type: 'Ready', status: 'True', reason: 'HubReady', message: 'ok', lastTransitionTime: t0.toISOString(), observedGeneration: 3 },
    ]);
  });

  it.each<[string, Parameters<typeof setConditions>[1], number, boolean, string]>([
    ['same everything', [{ type: 'Ready', status: 'True', reason: 'HubReady', message: 'ok' }], 3, false, t0.toISOString()],
    ['new message', [{ type: 'Ready', status: 'True', reason: 'HubReady', message: 'still ok' }], 3, true, t0.toISOString()],
    ['new generation', [{ type: 'Ready', status: 'True', reason: 'HubReady', message: 'ok' }], 4, true, t0.toISOString()],
    ['status flips', [{ type: 'Ready', status: 'False', reason: 'NoReadyNodes', message: 'none' }], 3, true, t1.toISOString()],
  ])('%s', (_name, wanted, generation, changed, transition) => {
    const next = setConditions(first.conditions, wanted, generation, t1);
    expect(next.changed).toBe(changed);
    expect(next.conditions[0]?.lastTransitionTime).toBe(transition);
  });

  it('reports dropping a condition as a change', () => {
    const two: Condition[] = [
      ...first.conditions,
      { type: 'ForecastFresh', status: 'True', reason: 'ForecastLive', message: 'x', lastTransitionTime: t0.toISOString(), observedGeneration: 3 },
    ];
    expect(setConditions(two, [{ type: 'Ready', status: 'True', reason: 'HubReady', message: 'ok' }], 3, t1).changed).toBe(true);
  });
});
