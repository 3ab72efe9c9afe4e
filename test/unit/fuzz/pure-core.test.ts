// 10,000 random schema-valid Hubs and FactoryWorkloads (worlds of 3 + 7, generated from the CRD
// schemas) through the reconcilers' pure core, stage by stage as the controllers call it:
// gather, plan, decide, then the statuses (avoided emissions included) and the affinity decided. No stage may throw,
// and every problem must come out as a condition or a reason the API server would accept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FactoryWorkload, FactoryWorkloadStatus, Hub, HubStatus } from '../../../src/api/index.ts';
import { validateFactoryWorkload, validateHub } from '../../../src/api/validate.ts';
import type { Condition } from '../../../src/controllers/conditions.ts';
import type { HubSelectorTerm, NodeAffinity } from '../../../src/controllers/factoryworkload/affinity.ts';
import { decide, reportedPlacement } from '../../../src/controllers/factoryworkload/decide.ts';
import { observePlacement, podsOf } from '../../../src/controllers/factoryworkload/observed.ts';
import { otherAffinityOwners, westwardOwnsAffinity } from '../../../src/controllers/factoryworkload/ownership.ts';
import { rolloutComplete } from '../../../src/controllers/factoryworkload/rollout.ts';
import { readTargetRecord } from '../../../src/controllers/factoryworkload/target-record.ts';
import { claimants } from '../../../src/controllers/placement/claims.ts';
import { accrueAvoidedEmissions } from '../../../src/controllers/factoryworkload/avoided-emissions.ts';
import { desiredWorkloadStatus, targetMissingStatus, type FreshnessOfHubs } from '../../../src/controllers/factoryworkload/status.ts';
import { gather, hourMs, type Gathered } from '../../../src/controllers/placement/gather.ts';
import { desiredHubStatus } from '../../../src/controllers/hub/status.ts';
import { resolveHubSlots } from '../../../src/forecast/slots.ts';
import { hubCapacity } from '../../../src/model/capacity.ts';
import { workloadKey } from '../../../src/model/planner-input.ts';
import { plan } from '../../../src/placement/plan.ts';
import type { Plan } from '../../../src/placement/types.ts';
import { worldArbitrary, type World } from './world.ts';

// Hubs cost more to generate (their CEL rules refuse more candidates); 3 + 7 keeps the run short.
const hubsPerWorld = 3;
const workloadsPerWorld = 7;
const totalObjects = 10_000;
const properties = 4;
const worldsPerProperty = totalObjects / (hubsPerWorld + workloadsPerWorld) / properties;

/** What the stages produce for one world. */
interface Pass {
  world: World;
  gathered?: Gathered;
  plan?: Plan;
  hubStatuses: { hub: Hub; status: HubStatus }[];
  workloadResults: { fw: FactoryWorkload; status: FactoryWorkloadStatus; affinity: NodeAffinity | undefined }[];
}

const targetKey = (fw: FactoryWorkload): string => `${fw.metadata?.namespace ?? ''}/${fw.spec.targetRef.kind}/${fw.spec.targetRef.name}`;

/**
 * The pure core in the order the controllers run it: gather, plan, the Hub status, then per
 * workload the FactoryWorkload reconciler's `decide` and the status built from its decision.
 */
const stages: { name: string; run: (pass: Pass) => void }[] = [
  {
    name: 'gather',
    run: (pass) => {
      const w = pass.world;
      pass.gathered = gather({
        nowMs: w.nowMs,
        hubs: w.hubs,
        nodes: w.nodes,
        pods: w.pods,
        workloads: w.workloads,
        targetOf: (fw) => w.targets.get(targetKey(fw)),
        forecastOf: (hub) => w.forecasts.get(hub),
        limits: w.limits,
        pendingRollouts: w.pendingRollouts,
      });
    },
  },
  {
    name: 'plan',
    run: (pass) => {
      pass.plan = plan(need(pass.gathered, 'gather').input);
    },
  },
  {
    name: 'hub status',
    run: (pass) => {
      const w = pass.world;
      const hourStart = Math.floor(w.nowMs / hourMs) * hourMs;
      for (const hub of w.hubs) {
        const effective = w.forecasts.get(hub.metadata?.name ?? '') ?? { source: 'DeclaredGrid' as const, forecast: null, ageMs: null, message: 'not polled yet' };
        const [current] = resolveHubSlots(effective.forecast, hub.spec.energy, { startMs: hourStart, endMs: hourStart + hourMs, stepMs: hourMs });
        const { status } = desiredHubStatus({
          generation: hub.metadata?.generation,
          previous: hub.status,
          capacity: hubCapacity(hub, w.nodes, w.pods),
          nodeSelector: hub.spec.nodeSelector,
          effective,
          lastError: effective.source === 'Live' ? null : { kind: 'Http', message: 'provider answered 503' },
          current,
          now: new Date(w.nowMs),
        });
        pass.hubStatuses.push({ hub, status });
      }
    },
  },
  {
    name: 'decide, workload status and affinity',
    run: (pass) => {
      const w = pass.world;
      const gathered = need(pass.gathered, 'gather');
      const entries = new Map(need(pass.plan, 'plan').workloads.map((e) => [e.key, e]));
      const now = new Date(w.nowMs);
      const nodesByName = new Map(w.nodes.map((n) => [n.metadata?.name ?? '', n]));
      const claims = claimants(w.workloads, (fw) => w.targets.get(targetKey(fw)));
      for (const fw of w.workloads) {
        if (fw.metadata?.deletionTimestamp !== undefined) continue;
        const key = workloadKey(fw);
        const entry = entries.get(key);
        const target = w.targets.get(targetKey(fw));
        const holder = claims.get(targetKey(fw));
        const claimedByOther = holder !== undefined && holder !== fw.metadata?.name ? holder : undefined;
        if (target === undefined || (entry === undefined && claimedByOther === undefined)) {
          const { status } = targetMissingStatus(fw.status, fw.metadata?.generation, now, `${fw.spec.targetRef.kind} ${fw.spec.targetRef.name}`);
          pass.workloadResults.push({ fw, status, affinity: undefined });
          continue;
        }
        const facts = gathered.facts.get(key);
        const planEntry = entry ?? { key, hub: null, fallbacks: [], replicasByHub: {}, expected: { renewableShare: 0, carbonIntensity: 0 }, moved: false, reason: 'not planned' };
        const eligibleHubs = facts?.eligible ?? [];
        const terms: HubSelectorTerm[] = eligibleHubs.flatMap((name) => {
          const hub = w.hubs.find((h) => h.metadata?.name === name);
          return hub === undefined ? [] : [{ hub: name, nodeSelector: hub.spec.nodeSelector }];
        });
        const observed = observePlacement(podsOf(w.pods, fw.metadata?.namespace ?? '', target.spec?.selector?.matchLabels), nodesByName, w.hubs);
        const mode = fw.spec.placement?.mode === 'Shadow' ? 'Shadow' : 'Enforce';
        const decision = decide({
          now,
          name: fw.metadata?.name ?? '',
          namespace: fw.metadata?.namespace ?? '',
          generation: fw.metadata?.generation,
          mode,
          previous: fw.status,
          target: {
            kind: fw.spec.targetRef.kind,
            name: fw.spec.targetRef.name,
            replicas: target.spec?.replicas ?? 1,
            rolloutDone: rolloutComplete(target),
            applied: target.spec?.template?.spec?.affinity?.nodeAffinity,
            record: readTargetRecord(target.metadata?.annotations),
            owners: otherAffinityOwners(target.metadata?.managedFields),
            westwardOwns: westwardOwnsAffinity(target.metadata?.managedFields),
          },
          claimedByOther,
          plan: { entry: planEntry, eligible: terms, excludedByOwnRules: facts?.excludedByOwnRules ?? [], heldForData: facts?.heldForData ?? [] },
          observed,
          hubsWithRoom: new Set(Object.keys(planEntry.replicasByHub)),
          settleAllowed: true,
          refused: undefined,
        });
        const affinity = decision.write?.kind === 'apply' ? decision.write.affinity : undefined;
        const freshness: FreshnessOfHubs = { stale: [], total: eligibleHubs.length };
        for (const h of eligibleHubs) {
          const source = w.forecasts.get(h)?.source ?? 'DeclaredGrid';
          if (source !== 'Live') freshness.stale.push({ hub: h, source });
        }
        const { hub, lastMove } = reportedPlacement(decision, mode, planEntry.hub, fw.status);
        const nearest = eligibleHubs[0];
        const accrual = accrueAvoidedEmissions({
          previous: fw.status?.avoidedEmissions,
          now,
          stepMs: 15 * 60_000,
          replicas: Object.values(observed.readyByHub).reduce((a, b) => a + b, 0),
          powerPerReplicaW: fw.spec.powerPerReplicaW,
          actual: hub === null ? undefined : gathered.hubNow.get(hub),
          nearest: nearest === undefined ? undefined : gathered.hubNow.get(nearest),
        });
        const { status } = desiredWorkloadStatus({
          generation: fw.metadata?.generation,
          previous: fw.status,
          now,
          entry: planEntry,
          eligibleHubs,
          hub,
          lastMove,
          placed: decision.placed,
          reason: decision.reason,
          observed: observed.readyByHub,
          avoided: accrual.record,
          freshness,
        });
        expect(decision.reason.trim()).not.toBe('');
        pass.workloadResults.push({ fw, status, affinity });
      }
    },
  },
];

function need<T>(value: T | undefined, stage: string): T {
  if (value === undefined) throw new Error(`the ${stage} stage left nothing`);
  return value;
}

function runStages(world: World): Pass {
  const pass: Pass = { world, hubStatuses: [], workloadResults: [] };
  for (const stage of stages) {
    try {
      stage.run(pass);
    } catch (error) {
      throw new Error(`stage "${stage.name}" threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, { cause: error });
    }
  }
  return pass;
}

const reasonPattern = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
// Kubernetes' qualified name, stated here independently of the code under test.
const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function checkConditions(conditions: readonly Condition[] | undefined, previous: readonly Condition[] | undefined, types: readonly string[]): void {
  expect(conditions?.map((c) => c.type).sort()).toEqual([...types].sort());
  for (const c of conditions ?? []) {
    expect(c.reason).toMatch(reasonPattern);
    // A condition kept as it was (ForecastFresh without a target) keeps its message too.
    const kept = previous?.find((p) => p.type === c.type)?.message === c.message;
    if (!kept) expect(c.message.trim()).not.toBe('');
    expect(['True', 'False', 'Unknown']).toContain(c.status);
  }
}

/** JSON carries no NaN or Infinity: they would arrive as null, which the schema refuses. */
function expectSentAsIs(status: object): void {
  const bad: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'number' && !Number.isFinite(value)) bad.push(`${path}: ${value}`);
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
  };
  walk(status, 'status');
  expect(bad).toEqual([]);
}

function checkPass(pass: Pass): void {
  const planned = need(pass.plan, 'plan');
  const input = need(pass.gathered, 'gather').input;
  // Every planned workload gets an entry with a reason a person can read, and finite numbers.
  expect(planned.workloads.map((e) => e.key).sort()).toEqual(input.workloads.map((w) => w.key).sort());
  for (const entry of planned.workloads) {
    expect(entry.reason.trim()).not.toBe('');
    expect(Number.isFinite(entry.expected.renewableShare) && Number.isFinite(entry.expected.carbonIntensity)).toBe(true);
    for (const [hub, replicas] of Object.entries(entry.replicasByHub)) {
      expect(input.workloads.find((w) => w.key === entry.key)?.eligibleHubs).toContain(hub);
      expect(Number.isInteger(replicas) && replicas >= 0).toBe(true);
    }
  }
  // What would be written is accepted by the API server's schema and rules.
  for (const { hub, status } of pass.hubStatuses) {
    expect(validateHub({ ...hub, status })).toEqual([]);
    expectSentAsIs(status);
    checkConditions(status.conditions, hub.status?.conditions, ['Ready', 'ForecastFresh']);
  }
  for (const { fw, status, affinity } of pass.workloadResults) {
    expect(validateFactoryWorkload({ ...fw, status })).toEqual([]);
    expectSentAsIs(status);
    checkConditions(status.conditions, fw.status?.conditions, ['TargetFound', 'Placed', 'ForecastFresh']);
    for (const term of [...(affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []), ...(affinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => p.preference)]) {
      // An empty term would match every node; In/NotIn need values, Exists/DoesNotExist none.
      expect(term.matchExpressions?.length ?? 0).toBeGreaterThan(0);
      for (const r of term.matchExpressions ?? []) {
        // The API server refuses a requirement whose key is not a label key.
        expect(r.key).toMatch(labelKey);
        if (r.operator === 'In' || r.operator === 'NotIn') expect(r.values?.length ?? 0).toBeGreaterThan(0);
        else expect(r.values).toBeUndefined();
      }
    }
    for (const p of affinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) expect(p.weight >= 1 && p.weight <= 100).toBe(true);
  }
}

describe(`the pure core on ${totalObjects} schema-valid Hubs and FactoryWorkloads`, () => {
  const world = worldArbitrary(hubsPerWorld, workloadsPerWorld);
  it.each(Array.from({ length: properties }, (_, i) => 1000 + i))('worlds of seed %i: no stage throws, every problem is a condition', (seed) => {
    fc.assert(
      fc.property(world, (w) => {
        checkPass(runStages(w));
      }),
      { seed, numRuns: worldsPerProperty },
    );
  }, 120_000);
});
