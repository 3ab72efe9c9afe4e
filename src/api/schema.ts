// The subset of a CRD's OpenAPI v3 schema (apiextensions.k8s.io/v1 JSONSchemaProps) that the
// Westward CRDs use. Plain data, so the generated schemas and the tools that walk them share it.

export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
}

export interface OpenApiSchema {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  description?: string;
  format?: string;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  required?: string[];
  enum?: (string | number | boolean)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  pattern?: string;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: OpenApiSchema };
  additionalPrinterColumns?: { name: string; type: string; jsonPath: string; priority?: number; description?: string }[];
}

export interface CustomResourceDefinition {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: 'Cluster' | 'Namespaced';
    names: { kind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    versions: CrdVersion[];
  };
}

/** The storage version's schema of a CRD; throws when the CRD has none. */
export function storageSchema(crd: CustomResourceDefinition): OpenApiSchema {
  const version = crd.spec.versions.find((v) => v.storage);
  if (version === undefined) throw new Error(`CRD ${crd.metadata.name} has no storage version`);
  return version.schema.openAPIV3Schema;
}
