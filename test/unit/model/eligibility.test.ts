import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eligibleHubs, eligibleRoutes } from '../../../src/model/eligibility.ts';
import { factoryWorkload, hub } from './fixtures.ts';

const hubs = [
  hub('ningxia', { guangdong: 45, zhejiang: 40 }, { grid: 'northwest' }),
  hub('gansu', { guangdong: 38, zhejiang: 34 }, { grid: 'northwest' }),
  hub('guizhou', { guangdong: 25 }, { grid: 'southwest' }),
  hub('shaoguan', { guangdong: 8, zhejiang: 20 }, { grid: 'south' }),
  hub('qingyang', { guangdong: 38 }, { grid: 'northwest' }),
];

describe('eligibleHubs', () => {
  it('keeps hubs within the budget, nearest first, ties by name', () => {
    expect(eligibleHubs(factoryWorkload('w', 'guangdong', 40), hubs)).toEqual(['shaoguan', 'guizhou', 'gansu', 'qingyang']);
  });

  it('the budget is inclusive', () => {
    expect(eligibleHubs(factoryWorkload('w', 'guangdong', 45), hubs)).toContain('ningxia');
    expect(eligibleHubs(factoryWorkload('w', 'guangdong', 44.9), hubs)).not.toContain('ningxia');
  });

  it('a hub without an entry for the region is not eligible', () => {
    expect(eligibleHubs(factoryWorkload('w', 'zhejiang', 1000), hubs)).toEqual(['shaoguan', 'gansu', 'ningxia']);
    expect(eligibleHubs(factoryWorkload('w', 'jiangsu', 1000), hubs)).toEqual([]);
  });

  it('applies hubSelector over hub labels', () => {
    const fw = factoryWorkload('w', 'guangdong', 100, { hubSelector: { matchExpressions: [{ key: 'grid', operator: 'NotIn', values: ['south'] }] } });
    expect(eligibleHubs(fw, hubs)).toEqual(['guizhou', 'gansu', 'qingyang', 'ningxia']);
  });

  it('routes are sorted and all within budget for any budget', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), (budget) => {
        const routes = eligibleRoutes(factoryWorkload('w', 'guangdong', budget), hubs);
        for (const r of routes) expect(r.rttMs).toBeLessThanOrEqual(budget);
        for (let i = 1; i < routes.length; i++) {
          const [a, b] = [routes[i - 1], routes[i]];
          expect(a && b && (a.rttMs < b.rttMs || (a.rttMs === b.rttMs && a.hub < b.hub))).toBe(true);
        }
        expect(routes.length).toBe([45, 38, 25, 8, 38].filter((rtt) => rtt <= budget).length);
      }),
    );
  });
});
