// Validates objects read from files (simulator, CLI) before use, the way the API server would:
// the structural schema (types, required, enums, ranges, patterns, sizes) from the generated
// schemas, plus the CRDs' cross-field CEL rules restated here. Pure; returns problems, throws nothing.
import { credentialedProviders, zonedProviders } from './constants.ts';
import { parseDuration } from './duration.ts';
import type { FactoryWorkload, Hub, LabelSelector } from './generated/index.ts';
import { factoryWorkloadSchema, hubSchema } from './generated/schemas.ts';
import type { OpenApiSchema } from './schema.ts';

/** One refusal, with the field path in the API server's spelling (spec.network[0].rttMs). */
export interface Problem {
  field: string;
  message: string;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function checkSchema(schema: OpenApiSchema, value: unknown, field: string, out: Problem[]): void {
  const t = typeName(value);
  const expected = schema.type;
  const typeOk =
    expected === undefined ||
    (expected === 'integer' ? Number.isInteger(value) : expected === t);
  if (!typeOk) {
    out.push({ field, message: `must be of type ${expected}, not ${t}` });
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    out.push({ field, message: `unsupported value ${JSON.stringify(value)}: supported values ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (typeof value === 'number') {
    const { minimum, maximum } = schema;
    if (minimum !== undefined && (schema.exclusiveMinimum === true ? value <= minimum : value < minimum)) {
      out.push({ field, message: `must be ${schema.exclusiveMinimum === true ? 'greater than' : 'at least'} ${minimum}` });
    }
    if (maximum !== undefined && (schema.exclusiveMaximum === true ? value >= maximum : value > maximum)) {
      out.push({ field, message: `must be ${schema.exclusiveMaximum === true ? 'less than' : 'at most'} ${maximum}` });
    }
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength) out.push({ field, message: `must be at most ${schema.maxLength} characters` });
    if (schema.minLength !== undefined && value.length < schema.minLength) out.push({ field, message: `must be at least ${schema.minLength} characters` });
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) out.push({ field, message: `must match ${schema.pattern}` });
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) out.push({ field, message: 'must be an RFC 3339 date-time' });
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push({ field, message: `must have at most ${schema.maxItems} items` });
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push({ field, message: `must have at least ${schema.minItems} items` });
    const keys = schema['x-kubernetes-list-map-keys'];
    const seen = new Set<string>();
    value.forEach((item, i) => {
      if (schema.items !== undefined) checkSchema(schema.items, item, `${field}[${i}]`, out);
      if (keys !== undefined && typeof item === 'object' && item !== null) {
        const key = JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k]));
        if (seen.has(key)) out.push({ field: `${field}[${i}]`, message: `duplicate value ${key}` });
        seen.add(key);
      }
    });
  }
  if (t === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (record[name] === undefined) out.push({ field: field === '' ? name : `${field}.${name}`, message: 'required value' });
    }
    for (const [name, child] of Object.entries(record)) {
      const sub = schema.properties?.[name] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (sub !== undefined && child !== undefined) checkSchema(sub, child, field === '' ? name : `${field}.${name}`, out);
    }
  }
}

function durationMs(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  try {
    return parseDuration(s);
  } catch {
    return undefined; // the pattern check has reported it
  }
}

/** The label key syntax of the API server (and of the CRDs' rule on matchLabels keys). */
const labelKeyName = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelKeyPrefix = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !labelKeyPrefix.test(prefix))) return false;
  return labelKeyName.test(name);
}

function checkSelector(selector: LabelSelector | undefined, field: string, out: Problem[]): void {
  for (const key of Object.keys(selector?.matchLabels ?? {})) {
    if (!isLabelKey(key)) out.push({ field: `${field}.matchLabels`, message: `label key ${JSON.stringify(key)} is not a valid label key: a name of at most 63 characters, optionally prefixed by a DNS subdomain and '/'` });
  }
  (selector?.matchExpressions ?? []).forEach((e, i) => {
    const needsValues = e.operator === 'In' || e.operator === 'NotIn';
    if (needsValues !== (e.values !== undefined && e.values.length > 0)) {
      out.push({ field: `${field}.matchExpressions[${i}].values`, message: 'values must be non-empty for operators In and NotIn and empty for Exists and DoesNotExist' });
    }
  });
}

/** The cross-field rules of the Hub CRD (its x-kubernetes-validations), on a schema-valid Hub. */
function hubRules(hub: Hub, out: Problem[]): void {
  if ((hub.metadata?.name ?? '').length > 63) out.push({ field: 'metadata.name', message: "a Hub's name is used as a label value, so it must be at most 63 characters" });
  const selector = hub.spec.nodeSelector;
  if (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0) {
    out.push({ field: 'spec.nodeSelector', message: 'nodeSelector must not be empty; give matchLabels or matchExpressions' });
  }
  checkSelector(selector, 'spec.nodeSelector', out);
  const f = hub.spec.forecast;
  if ((zonedProviders as readonly string[]).includes(f.provider) && (f.zone ?? '') === '') {
    out.push({ field: 'spec.forecast.zone', message: 'zone is required for providers ElectricityMaps, WattTime, CarbonAwareSDK and UKCarbonIntensity' });
  }
  if ((credentialedProviders as readonly string[]).includes(f.provider) && f.credentialsSecretRef === undefined) {
    out.push({ field: 'spec.forecast.credentialsSecretRef', message: 'credentialsSecretRef is required for providers ElectricityMaps and WattTime' });
  }
  if (f.provider === 'Static' && f.static === undefined) out.push({ field: 'spec.forecast.static', message: 'static is required when provider is Static' });
  if (f.provider !== 'Static' && f.static !== undefined) out.push({ field: 'spec.forecast.static', message: 'static is only allowed when provider is Static' });
  const refresh = durationMs(f.refreshInterval);
  const staleness = durationMs(f.maxStaleness);
  if (refresh !== undefined && refresh < 5_000) out.push({ field: 'spec.forecast.refreshInterval', message: 'refreshInterval must be at least 5s' });
  if (refresh !== undefined && staleness !== undefined && staleness < refresh) {
    out.push({ field: 'spec.forecast.maxStaleness', message: 'maxStaleness must be at least refreshInterval' });
  }
  const s = f.static;
  if (s !== undefined) {
    const constant = s.renewableShare !== undefined || s.carbonIntensity !== undefined;
    if (s.points === undefined && (s.renewableShare === undefined || s.carbonIntensity === undefined)) {
      out.push({ field: 'spec.forecast.static', message: 'static needs both renewableShare and carbonIntensity, or points' });
    }
    if (s.points !== undefined && constant) {
      out.push({ field: 'spec.forecast.static.points', message: 'static takes either constant values (renewableShare, carbonIntensity) or points, not both' });
    }
    const spans = (s.points ?? []).map((p) => [Date.parse(p.start), Date.parse(p.end)] as const);
    spans.forEach(([start, end], i) => {
      if (!(start < end)) out.push({ field: `spec.forecast.static.points[${i}].end`, message: 'start must be before end' });
    });
    const overlap = spans.some(([a0, a1], i) => spans.some(([b0, b1], j) => i !== j && a0 < b1 && b0 < a1));
    if (overlap) out.push({ field: 'spec.forecast.static.points', message: 'static points must not overlap' });
  }
}

/** Problems of a Hub as the API server would report them; empty when it would be accepted. */
export function validateHub(hub: unknown): Problem[] {
  const out: Problem[] = [];
  checkSchema(hubSchema, hub, '', out);
  if (out.length === 0) hubRules(hub as Hub, out);
  return out;
}

/** Problems of a FactoryWorkload as the API server would report them on create. */
export function validateFactoryWorkload(workload: unknown): Problem[] {
  const out: Problem[] = [];
  checkSchema(factoryWorkloadSchema, workload, '', out);
  if (out.length === 0) checkSelector((workload as FactoryWorkload).spec.placement?.hubSelector, 'spec.placement.hubSelector', out);
  return out;
}
