// metav1.LabelSelector semantics: every matchLabels pair and every matchExpressions requirement
// must hold; an empty selector matches everything.
import type { LabelSelector, LabelSelectorRequirement } from './kube.ts';

export class LabelSelectorError extends Error {
  override name = 'LabelSelectorError';
}

export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return (
    selector === undefined ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
  );
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  return (selector?.matchExpressions ?? []).every((requirement) => requirementMatches(requirement, have));
}

function requirementMatches(requirement: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      if (values.length === 0) throw new LabelSelectorError(`operator In on key "${requirement.key}" needs values`);
      return present && values.includes(labels[requirement.key] ?? '');
    case 'NotIn':
      if (values.length === 0) throw new LabelSelectorError(`operator NotIn on key "${requirement.key}" needs values`);
      // As in Kubernetes: a missing key satisfies NotIn.
      return !present || !values.includes(labels[requirement.key] ?? '');
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    default:
      throw new LabelSelectorError(`unknown label selector operator "${requirement.operator}" on key "${requirement.key}"`);
  }
}
