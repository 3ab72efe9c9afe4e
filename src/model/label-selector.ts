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

const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a string is not a label key (Kubernetes' qualified name: [prefix/]name), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  const name = parts.length === 2 ? (parts[1] ?? '') : key;
  if (parts.length > 2) return `label key ${JSON.stringify(key)} has more than one "/"`;
  if (parts.length === 2 && !(dnsSubdomain.test(parts[0] ?? '') && (parts[0] ?? '').length <= 253)) {
    return `label key ${JSON.stringify(key)} has a prefix that is not a DNS subdomain`;
  }
  if (!labelName.test(name) || name.length > 63) {
    return `label key ${JSON.stringify(key)} is not a label name (at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit)`;
  }
  return undefined;
}

/**
 * Why a hub's node selector cannot be written as node affinity (the API server refuses a
 * requirement on a key that is not a label key), or undefined when it can.
 */
export function nodeSelectorProblem(selector: LabelSelector): string | undefined {
  const keys = [...Object.keys(selector.matchLabels ?? {}), ...(selector.matchExpressions ?? []).map((e) => e.key)];
  for (const key of keys) {
    const problem = labelKeyProblem(key);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
