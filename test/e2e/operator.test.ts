// The operator end to end on the real control plane: where pods actually land and move, what
// Westward writes and what it leaves alone.
import { AppsV1Api, CoreV1Api, EventsV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, kubectl, kubectlOk } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator.ts';
import { startPrometheus, type PrometheusProcess } from './support/prometheus.ts';
import {
  applyCrds,
  createScenario,
  createTargetAndWorkload,
  deleteWorkload,
  factoryWorkload,
  getHub,
  getWorkload,
  podsByHub,
  targetDeployment,
  waitForPlacement,
  type Scenario,
} from './support/scenario.ts';

// Four hubs for factories in one region. Qingyang is the greenest within a 50 ms budget;
// Horinger is greener still but 70 ms away.
const plans = [
  { name: 'qingyang', rttMs: 40, signal: { renewableShare: 0.8, carbonIntensity: 120 }, nodes: [{ cpu: '32', gpu: 1 }, { cpu: '32', gpu: 1 }] },
  { name: 'zhongwei', rttMs: 45, signal: { renewableShare: 0.5, carbonIntensity: 300 }, nodes: [{ cpu: '32', gpu: 4 }, { cpu: '32', gpu: 4 }] },
  { name: 'shaoguan', rttMs: 8, signal: { renewableShare: 0.1, carbonIntensity: 550 }, nodes: [{ cpu: '32', gpu: 2 }, { cpu: '32', gpu: 2 }] },
  { name: 'horinger', rttMs: 70, signal: { renewableShare: 0.95, carbonIntensity: 40 }, nodes: [{ cpu: '32', gpu: 8 }, { cpu: '32', gpu: 8 }] },
];
const baseline = Object.fromEntries(plans.map((p) => [p.name, p.signal]));

let scenario: Scenario;
let operator: OperatorProcess | undefined;
const namespaces: string[] = [];
const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);

async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${scenario.suffix}`;
  await core.createNamespace({ body: { metadata: { name } } });
  namespaces.push(name);
  return name;
}

function resetSignals(): void {
  for (const [hub, signal] of Object.entries(baseline)) scenario.setSignal(hub, signal);
}

async function operatorFor(...ns: string[]): Promise<OperatorProcess> {
  return startOperator({ namespaces: ns, credentialsNamespaces: [scenario.secretNamespace] });
}

async function placedIn(ns: string, name: string, hub: string): Promise<void> {
  await eventually(`${ns}/${name} placed in ${hub}`, async () => {
    const fw = await getWorkload(ns, name);
    return fw.status?.hub === hub ? true : undefined;
  }, { timeoutMs: 90_000 });
}

function hubOf(name: string): string {
  return scenario.hubs[name] ?? name;
}

async function replicaSetCount(ns: string): Promise<number> {
  return (await apps.listNamespacedReplicaSet({ namespace: ns })).items.length;
}

const testNamespaces = ['greenest', 'spill', 'moves', 'shadow', 'restore', 'gitops', 'outage', 'restart', 'leader'];

describe('operator', () => {
  beforeAll(async () => {
    await applyCrds();
    scenario = await createScenario(plans);
    for (const n of testNamespaces) await namespace(n);
    operator = await operatorFor(...namespaces.filter((n) => !n.startsWith('leader')));
  }, 300_000);

  afterAll(async () => {
    // The operator removes its finalizers as the namespaces go, so it runs until they are gone.
    operator ??= await operatorFor(...namespaces);
    for (const ns of namespaces) await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await eventually('test namespaces gone', async () => {
      const left = await core.listNamespace();
      return left.items.some((n) => namespaces.includes(n.metadata?.name ?? '')) ? undefined : true;
    }, { timeoutMs: 90_000 }).catch(() => undefined);
    await operator.stop();
    await (scenario as Scenario | undefined)?.teardown();
  }, 120_000);

  it('lands pods only in the greenest eligible hub, never in a greener hub beyond the latency budget', async () => {
    const ns = `greenest-${scenario.suffix}`;
    await createTargetAndWorkload(targetDeployment(ns, 'weld-qc', { replicas: 3 }), factoryWorkload(ns, 'weld-qc', scenario.region, { target: 'weld-qc', budgetMs: 50 }));
    await waitForPlacement(ns, 'weld-qc', { [hubOf('qingyang')]: 3 });
    // Placed=True once the status has seen the Ready pods where the plan put them.
    const fw = await eventually('Placed=True', async () => {
      const w = await getWorkload(ns, 'weld-qc');
      return w.status?.conditions?.find((c) => c.type === 'Placed')?.status === 'True' ? w : undefined;
    });
    expect(fw.status?.hub).toBe(hubOf('qingyang'));
    expect(fw.status?.eligibleHubs).toEqual([hubOf('shaoguan'), hubOf('qingyang'), hubOf('zhongwei')]);
    expect(fw.status?.conditions?.find((c) => c.type === 'Placed')?.status).toBe('True');
    const deployment = await apps.readNamespacedDeployment({ namespace: ns, name: 'weld-qc' });
    const required = deployment.spec?.template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    const requiredHubs = required.map((t) => t.matchExpressions?.[0]?.values?.[0]).sort();
    expect(requiredHubs).toEqual([hubOf('qingyang'), hubOf('shaoguan'), hubOf('zhongwei')].sort());
    expect(requiredHubs).not.toContain(hubOf('horinger'));
    const managers = deployment.metadata?.managedFields?.filter((m) => JSON.stringify(m.fieldsV1).includes('f:nodeAffinity')).map((m) => m.manager);
    expect(managers).toEqual(['westward']);
  });

  it('spills replicas to the next eligible hub when the greenest is full, instead of leaving them Pending', async () => {
    const ns = `spill-${scenario.suffix}`;
    await createTargetAndWorkload(targetDeployment(ns, 'vision', { replicas: 4, gpu: 1 }), factoryWorkload(ns, 'vision', scenario.region, { target: 'vision' }));
    // Qingyang has two GPUs; the other two replicas go to the next greenest, Zhongwei.
    await waitForPlacement(ns, 'vision', { [hubOf('qingyang')]: 2, [hubOf('zhongwei')]: 2 });
    const split = { [hubOf('qingyang')]: 2, [hubOf('zhongwei')]: 2 };
    // The status reports where Ready pods run, the plan beside it, and that the two match.
    await eventually('status to report the pods where they run', async () => {
      const fw = await getWorkload(ns, 'vision');
      const placed = fw.status?.conditions?.find((c) => c.type === 'Placed');
      return JSON.stringify(fw.status?.replicasByHub) === JSON.stringify(split) && placed?.status === 'True' ? fw : undefined;
    });
    const fw = await getWorkload(ns, 'vision');
    expect(fw.status?.plannedReplicasByHub).toEqual(split);
    expect(fw.status?.conditions?.find((c) => c.type === 'Placed')?.message).toBe(`running as planned: ${hubOf('qingyang')} 2, ${hubOf('zhongwei')} 2`);
    expect((await podsByHub(ns, 'vision')).get('Pending')).toBeUndefined();
  });

  it('moves on a forecast change above minImprovement, not below it, and never within minDwell', async () => {
    const ns = `moves-${scenario.suffix}`;
    resetSignals();
    await createTargetAndWorkload(
      targetDeployment(ns, 'maint', { replicas: 2 }),
      factoryWorkload(ns, 'maint', scenario.region, { target: 'maint', minDwell: '40s', minImprovement: 0.1 }),
    );
    await waitForPlacement(ns, 'maint', { [hubOf('qingyang')]: 2 });

    // +5 points at Zhongwei: below minImprovement, so nothing moves.
    scenario.setSignal('zhongwei', { renewableShare: 0.85, carbonIntensity: 100 });
    await eventually('the planner to judge the small gain', async () => {
      const fw = await getWorkload(ns, 'maint');
      return fw.status?.reason?.includes('below minImprovement') ? true : undefined;
    }, { timeoutMs: 60_000 });
    expect((await getWorkload(ns, 'maint')).status?.hub).toBe(hubOf('qingyang'));
    const rsBefore = await replicaSetCount(ns);

    // A large gain at Zhongwei: the pods move there, with the target serving throughout.
    scenario.setSignal('zhongwei', { renewableShare: 0.95, carbonIntensity: 40 });
    scenario.setSignal('qingyang', { renewableShare: 0.3, carbonIntensity: 420 });
    let minAvailable = Infinity;
    const sampler = setInterval(() => {
      void apps.readNamespacedDeployment({ namespace: ns, name: 'maint' }).then((d) => {
        minAvailable = Math.min(minAvailable, d.status?.availableReplicas ?? 0);
      }, () => undefined);
    }, 200);
    try {
      await waitForPlacement(ns, 'maint', { [hubOf('zhongwei')]: 2 });
    } finally {
      clearInterval(sampler);
    }
    expect(minAvailable).toBeGreaterThanOrEqual(2);
    const moved = await getWorkload(ns, 'maint');
    expect(moved.status?.lastMove).toMatchObject({ from: hubOf('qingyang'), to: hubOf('zhongwei') });
    expect(await replicaSetCount(ns)).toBe(rsBefore + 1);
    const movedAt = Date.parse(moved.status?.lastMove?.time ?? '');

    // Qingyang turns greener again at once: the workload stays until minDwell has passed.
    scenario.setSignal('qingyang', { renewableShare: 0.99, carbonIntensity: 10 });
    scenario.setSignal('zhongwei', { renewableShare: 0.3, carbonIntensity: 420 });
    await eventually('the planner to hold the move back for minDwell', async () => {
      const fw = await getWorkload(ns, 'maint');
      return fw.status?.reason?.includes('minDwell') ? true : undefined;
    }, { timeoutMs: 30_000 });
    await placedIn(ns, 'maint', hubOf('qingyang'));
    const back = await getWorkload(ns, 'maint');
    expect(Date.parse(back.status?.lastMove?.time ?? '') - movedAt).toBeGreaterThanOrEqual(40_000);
    await waitForPlacement(ns, 'maint', { [hubOf('qingyang')]: 2 });

    const events = await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: ns });
    expect(events.items.filter((e) => e.reason === 'Moved').length).toBeGreaterThanOrEqual(2);
    resetSignals();
  }, 240_000);

  it('changes nothing on the target in Shadow mode and reports what it would do', async () => {
    const ns = `shadow-${scenario.suffix}`;
    await createTargetAndWorkload(
      targetDeployment(ns, 'supply', { replicas: 2 }),
      factoryWorkload(ns, 'supply', scenario.region, { target: 'supply', mode: 'Shadow' }),
    );
    const before = await apps.readNamespacedDeployment({ namespace: ns, name: 'supply' });
    await eventually('Shadow status', async () => {
      const fw = await getWorkload(ns, 'supply');
      const placed = fw.status?.conditions?.find((c) => c.type === 'Placed');
      return placed?.reason === 'Shadow' && fw.status?.hub === hubOf('qingyang') ? true : undefined;
    });
    const after = await apps.readNamespacedDeployment({ namespace: ns, name: 'supply' });
    expect(after.metadata?.generation).toBe(before.metadata?.generation);
    expect(after.spec?.template.spec?.affinity).toBeUndefined();
    expect(after.metadata?.managedFields?.some((m) => m.manager === 'westward')).toBe(false);
  });

  it('gives the target back its own affinity when the FactoryWorkload is deleted', async () => {
    const ns = `restore-${scenario.suffix}`;
    const original = targetDeployment(ns, 'paint', { replicas: 2, ownAffinity: true });
    await createTargetAndWorkload(original, factoryWorkload(ns, 'paint', scenario.region, { target: 'paint' }));
    await waitForPlacement(ns, 'paint', { [hubOf('qingyang')]: 2 });
    const placed = await apps.readNamespacedDeployment({ namespace: ns, name: 'paint' });
    expect(placed.spec?.template.spec?.affinity?.nodeAffinity).toBeDefined();
    expect((await getWorkload(ns, 'paint')).metadata?.finalizers).toContain('westward.io/node-affinity');

    await deleteWorkload(ns, 'paint');
    await eventually('FactoryWorkload gone', async () => {
      try {
        await getWorkload(ns, 'paint');
        return undefined;
      } catch (error) {
        return (error as { code?: number }).code === 404 ? true : undefined;
      }
    });
    const restored = await apps.readNamespacedDeployment({ namespace: ns, name: 'paint' });
    expect(restored.spec?.template.spec?.affinity?.nodeAffinity).toBeUndefined();
    expect(JSON.parse(JSON.stringify(restored.spec?.template.spec?.affinity))).toEqual(
      JSON.parse(JSON.stringify(original.spec?.template.spec?.affinity)),
    );
  });

  it('keeps its affinity and starts no rollout when a GitOps tool server-side applies the Deployment', async () => {
    const ns = `gitops-${scenario.suffix}`;
    const manifest = targetDeployment(ns, 'press', { replicas: 2 });
    await createTargetAndWorkload(manifest, factoryWorkload(ns, 'press', scenario.region, { target: 'press' }));
    await waitForPlacement(ns, 'press', { [hubOf('qingyang')]: 2 });
    const before = await apps.readNamespacedDeployment({ namespace: ns, name: 'press' });
    const replicaSets = await replicaSetCount(ns);

    const gitops = JSON.parse(JSON.stringify(manifest)) as { metadata: { labels?: Record<string, string> } };
    gitops.metadata.labels = { 'app.kubernetes.io/managed-by': 'gitops' };
    await kubectlOk(['apply', '--server-side', '--field-manager=gitops-sync', '-f', '-'], { input: JSON.stringify(gitops) });
    await new Promise((r) => setTimeout(r, 8_000));

    const after = await apps.readNamespacedDeployment({ namespace: ns, name: 'press' });
    expect(after.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('gitops');
    expect(after.spec?.template.spec?.affinity?.nodeAffinity).toEqual(before.spec?.template.spec?.affinity?.nodeAffinity);
    expect(after.metadata?.generation).toBe(before.metadata?.generation);
    expect(await replicaSetCount(ns)).toBe(replicaSets);
    const owners = after.metadata?.managedFields?.filter((m) => JSON.stringify(m.fieldsV1).includes('f:nodeAffinity')).map((m) => m.manager);
    expect(owners).toEqual(['westward']);
  });

  describe('a provider outage', () => {
    let prometheus: PrometheusProcess | undefined;
    afterAll(async () => {
      scenario.server.outage('none');
      await prometheus?.stop();
    });

    it('keeps the placement, says so in conditions, an event and a metric scraped by Prometheus', async () => {
      if (!operator) throw new Error('operator not running');
      const ns = `outage-${scenario.suffix}`;
      resetSignals();
      prometheus = await startPrometheus(operator.metricsUrl);
      await createTargetAndWorkload(targetDeployment(ns, 'kiln', { replicas: 2 }), factoryWorkload(ns, 'kiln', scenario.region, { target: 'kiln' }));
      await waitForPlacement(ns, 'kiln', { [hubOf('qingyang')]: 2 });
      const before = await apps.readNamespacedDeployment({ namespace: ns, name: 'kiln' });

      scenario.server.outage('http503');
      const hub = hubOf('qingyang');
      await eventually('ForecastFresh=False on the hub', async () => {
        const h = await getHub(hub);
        const fresh = h.status?.conditions?.find((c) => c.type === 'ForecastFresh');
        return fresh?.status === 'False' && fresh.reason === 'UsingLastGoodForecast' ? true : undefined;
      }, { timeoutMs: 90_000 });
      await eventually('ForecastFresh=False on the workload', async () => {
        const fw = await getWorkload(ns, 'kiln');
        return fw.status?.conditions?.find((c) => c.type === 'ForecastFresh')?.status === 'False' ? true : undefined;
      });
      await eventually('a ForecastStale event on the hub', async () => {
        const events = await kc.makeApiClient(EventsV1Api).listEventForAllNamespaces({ fieldSelector: `regarding.name=${hub}` });
        return events.items.some((e) => e.reason === 'ForecastStale') ? true : undefined;
      });
      await eventually('Prometheus to scrape the fallback', async () => {
        const value = await prometheus?.query(`westward_forecast_source{hub="${hub}",source="LastGood"}`);
        return value === 1 ? true : undefined;
      }, { timeoutMs: 60_000 });
      const failures = await prometheus.query(`sum(westward_forecast_fetches_total{hub="${hub}",result!="Success"})`);
      expect(failures).toBeGreaterThan(0);

      const after = await apps.readNamespacedDeployment({ namespace: ns, name: 'kiln' });
      expect(after.metadata?.generation).toBe(before.metadata?.generation);
      expect(Object.fromEntries(await podsByHub(ns, 'kiln'))).toEqual({ [hub]: 2 });

      scenario.server.outage('none');
      await eventually('ForecastFresh=True again', async () => {
        const h = await getHub(hub);
        return h.status?.conditions?.find((c) => c.type === 'ForecastFresh')?.status === 'True' ? true : undefined;
      }, { timeoutMs: 90_000 });
    }, 240_000);
  });

  it('writes nothing after a restart', async () => {
    const ns = `restart-${scenario.suffix}`;
    resetSignals();
    await createTargetAndWorkload(targetDeployment(ns, 'sorter', { replicas: 2 }), factoryWorkload(ns, 'sorter', scenario.region, { target: 'sorter' }));
    await waitForPlacement(ns, 'sorter', { [hubOf('qingyang')]: 2 });
    // Let the workload's status settle: its version unchanged for 8 s (after the first
    // placement the reason turns from "first placement" to "stays", a real change).
    let version = '';
    let since = Date.now();
    await eventually('a settled status', async () => {
      const current = (await getWorkload(ns, 'sorter')).metadata?.resourceVersion ?? '';
      if (current !== version) {
        version = current;
        since = Date.now();
      }
      return Date.now() - since >= 8_000 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    const deployment = await apps.readNamespacedDeployment({ namespace: ns, name: 'sorter' });
    const fw = await getWorkload(ns, 'sorter');

    await operator?.stop();
    operator = await operatorFor(...namespaces.filter((n) => !n.startsWith('leader')));
    await new Promise((r) => setTimeout(r, 15_000));

    const deploymentAfter = await apps.readNamespacedDeployment({ namespace: ns, name: 'sorter' });
    const fwAfter = await getWorkload(ns, 'sorter');
    expect(deploymentAfter.metadata?.resourceVersion).toBe(deployment.metadata?.resourceVersion);
    expect(fwAfter.status).toEqual(fw.status);
    expect(fwAfter.metadata?.resourceVersion).toBe(fw.metadata?.resourceVersion);
    expect(operator.logs().some((l) => l.includes('Patched node affinity'))).toBe(false);
  }, 120_000);

  it('lets only the leader write, and a standby takes over within 30 s when the leader is killed', async () => {
    await operator?.stop();
    operator = undefined;
    const ns = `leader-${scenario.suffix}`;
    resetSignals();
    const election = { namespace: scenario.secretNamespace, id: `westward-${scenario.suffix}` };
    const first = await startOperator({ namespaces: [ns], credentialsNamespaces: [scenario.secretNamespace], leaderElect: election });
    const second = await startOperator({ namespaces: [ns], credentialsNamespaces: [scenario.secretNamespace], leaderElect: election });
    try {
      const leading = (p: OperatorProcess): boolean => p.logs().some((l) => l.includes('"msg":"Started leading"'));
      const leader = await eventually('a leader', () => Promise.resolve(leading(first) ? first : leading(second) ? second : undefined));
      const standby = leader === first ? second : first;
      expect(leading(standby)).toBe(false);

      await createTargetAndWorkload(targetDeployment(ns, 'lathe', { replicas: 2 }), factoryWorkload(ns, 'lathe', scenario.region, { target: 'lathe' }));
      await waitForPlacement(ns, 'lathe', { [hubOf('qingyang')]: 2 });
      expect(leader.logs().some((l) => l.includes('Patched node affinity'))).toBe(true);
      expect(standby.logs().some((l) => l.includes('Patched node affinity') || l.includes('Updated Hub status'))).toBe(false);

      const killedAt = Date.now();
      await leader.kill();
      await eventually('the standby to lead', () => Promise.resolve(leading(standby) ? true : undefined), { timeoutMs: 45_000 });
      expect(Date.now() - killedAt).toBeLessThan(30_000);

      // The new leader acts: a large change moves the workload.
      scenario.setSignal('zhongwei', { renewableShare: 0.98, carbonIntensity: 20 });
      scenario.setSignal('qingyang', { renewableShare: 0.2, carbonIntensity: 480 });
      await waitForPlacement(ns, 'lathe', { [hubOf('zhongwei')]: 2 });
      expect(standby.logs().some((l) => l.includes('Patched node affinity'))).toBe(true);
    } finally {
      await first.kill();
      await second.kill();
      resetSignals();
    }
  }, 240_000);

  it('refuses an invalid FactoryWorkload at the API server and stores nothing', async () => {
    const ns = `greenest-${scenario.suffix}`;
    const bad = factoryWorkload(ns, 'bad', scenario.region, { target: 'x', budgetMs: -5 });
    const result = await kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(bad) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('latencyBudgetMs');
    await expect(getWorkload(ns, 'bad')).rejects.toMatchObject({ code: 404 });
  });
});
