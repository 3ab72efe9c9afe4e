import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LabelSelectorError, selectorMatches } from '../../../src/model/label-selector.ts';
import type { LabelSelector } from '../../../src/model/kube.ts';

const labels = { 'westward.io/hub': 'gansu', tier: 'gpu', zone: 'a' };

describe('selectorMatches', () => {
  it.each<[string, LabelSelector | undefined, boolean]>([
    ['undefined matches everything', undefined, true],
    ['empty matches everything', {}, true],
    ['matchLabels equal', { matchLabels: { tier: 'gpu' } }, true],
    ['matchLabels differ', { matchLabels: { tier: 'cpu' } }, false],
    ['matchLabels missing key', { matchLabels: { rack: '1' } }, false],
    ['In hit', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }, true],
    ['In miss', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, false],
    ['In absent key', { matchExpressions: [{ key: 'rack', operator: 'In', values: ['a'] }] }, false],
    ['NotIn hit', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, false],
    ['NotIn miss', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }, true],
    ['NotIn absent key matches', { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    ['Exists absent', { matchExpressions: [{ key: 'rack', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'rack', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist present', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    [
      'labels and expressions are ANDed',
      { matchLabels: { tier: 'gpu' }, matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
      false,
    ],
  ])('%s', (_name, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  it('rejects unknown operators and In without values', () => {
    expect(() => selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, labels)).toThrow(LabelSelectorError);
    expect(() => selectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, labels)).toThrow(/needs values/);
  });

  const labelMap = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom('x', 'y', 'z'));

  it('a selector made of a label set matches that set and its supersets', () => {
    fc.assert(
      fc.property(labelMap, labelMap, (selected, extra) => {
        expect(selectorMatches({ matchLabels: selected }, { ...extra, ...selected })).toBe(true);
      }),
    );
  });

  it('In and NotIn over the same values are complements; Exists and DoesNotExist too', () => {
    fc.assert(
      fc.property(labelMap, fc.constantFrom('a', 'b', 'c', 'd'), fc.subarray(['x', 'y', 'z'], { minLength: 1 }), (have, key, values) => {
        const inSel = selectorMatches({ matchExpressions: [{ key, operator: 'In', values }] }, have);
        const notIn = selectorMatches({ matchExpressions: [{ key, operator: 'NotIn', values }] }, have);
        expect(inSel).toBe(!notIn);
        const exists = selectorMatches({ matchExpressions: [{ key, operator: 'Exists' }] }, have);
        expect(exists).toBe(!selectorMatches({ matchExpressions: [{ key, operator: 'DoesNotExist' }] }, have));
        expect(exists).toBe(key in have);
      }),
    );
  });
});
