// Applies the CRDs' schema defaults to objects that did not come through the API server (files
// read by the simulator and the CLI), the way the API server does: a missing (or null) field with
// a default gets a copy of it, then defaulting continues inside it. The defaults come from the
// generated schemas, so they cannot drift from the CRDs.
import type { FactoryWorkload, Hub } from './generated/index.ts';
import { factoryWorkloadSchema, hubSchema } from './generated/schemas.ts';
import type { OpenApiSchema } from './schema.ts';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fill(schema: OpenApiSchema, value: unknown): void {
  if (Array.isArray(value)) {
    if (schema.items !== undefined) for (const item of value) fill(schema.items, item);
    return;
  }
  if (!isRecord(value)) return;
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if ((value[name] === undefined || value[name] === null) && child.default !== undefined) {
      value[name] = structuredClone(child.default);
    }
    if (value[name] !== undefined) fill(child, value[name]);
  }
  const extra = schema.additionalProperties;
  if (typeof extra === 'object') {
    for (const [name, v] of Object.entries(value)) {
      if (schema.properties?.[name] === undefined) fill(extra, v);
    }
  }
}

/** A copy of `value` with the schema's defaults filled in; the input is left as it was. */
export function applySchemaDefaults<T>(schema: OpenApiSchema, value: T): T {
  const copy = structuredClone(value);
  fill(schema, copy);
  return copy;
}

/** A copy of the Hub with refreshInterval, maxStaleness, baseLoadMW and the renewables defaulted. */
export function withHubDefaults(hub: Hub): Hub {
  return applySchemaDefaults(hubSchema, hub);
}

/** A copy of the FactoryWorkload with placement (mode, minDwell, minImprovement) defaulted. */
export function withFactoryWorkloadDefaults(workload: FactoryWorkload): FactoryWorkload {
  return applySchemaDefaults(factoryWorkloadSchema, workload);
}
