// The target's own scheduling rules (nodeSelector and required node affinity), to tell which
// hubs its pods could run in at all. A hub where no node satisfies them is not eligible: Westward
// never writes a placement that the target's own constraints make unschedulable. Pure.
import type { Hub, Node } from '../../model/kube.ts';
import { selectorMatches } from '../../model/label-selector.ts';
import type { NodeSelectorRequirement, NodeSelectorTerm } from './affinity.ts';

export interface OwnConstraints {
  nodeSelector?: Record<string, string>;
  required?: NodeSelectorTerm[];
}

function requirementHolds(r: NodeSelectorRequirement, labels: Record<string, string>, name: string, field: boolean): boolean {
  const present = field ? r.key === 'metadata.name' : Object.hasOwn(labels, r.key);
  const value = field ? name : labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return present && values.includes(value ?? '');
    case 'NotIn':
      return !present || !values.includes(value ?? '');
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'Gt':
    case 'Lt': {
      const have = Number.parseInt(value ?? '', 10);
      const want = Number.parseInt(values[0] ?? '', 10);
      if (!present || Number.isNaN(have) || Number.isNaN(want)) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  const name = node.metadata?.name ?? '';
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  // An empty term matches nothing, as in the scheduler.
  if (exprs.length === 0 && fields.length === 0) return false;
  return exprs.every((r) => requirementHolds(r, labels, name, false)) && fields.every((r) => requirementHolds(r, labels, name, true));
}

export function nodeSatisfies(own: OwnConstraints, node: Node): boolean {
  if (!selectorMatches({ matchLabels: own.nodeSelector ?? {} }, node.metadata?.labels)) return false;
  const terms = own.required ?? [];
  return terms.length === 0 || terms.some((t) => termMatches(t, node));
}

/** The hubs (by name) that have at least one node the target's own rules allow. */
export function hubsAllowedByOwnRules(hubs: readonly Hub[], nodes: readonly Node[], own: OwnConstraints): Set<string> {
  const allowed = new Set<string>();
  for (const hub of hubs) {
    const name = hub.metadata?.name ?? '';
    if (nodes.some((n) => selectorMatches(hub.spec.nodeSelector, n.metadata?.labels) && nodeSatisfies(own, n))) allowed.add(name);
  }
  return allowed;
}
