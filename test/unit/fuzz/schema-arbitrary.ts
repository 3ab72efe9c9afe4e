// fast-check arbitraries generated from the CRDs' OpenAPI v3 schemas (src/api/generated/schemas.ts):
// types, enums, minimum/maximum (exclusive too), lengths, item and property counts, required and
// optional properties, list-map keys kept unique, the patterns the CRDs use, date-times. A node
// that carries x-kubernetes-validations (CEL) is filtered there by the project's own validator,
// which restates those rules, so rejections stay local and cheap.
import fc from 'fast-check';
import type { OpenApiSchema } from '../../../src/api/schema.ts';
import { durationPattern } from '../../../src/api/duration.ts';

/** Where a node sits in the object, in the validator's spelling (spec.forecast.static). */
export type Path = string;

export interface SchemaArbitraryOptions {
  /** Arbitraries for nodes the schema leaves open (metadata) or that tests want to steer. */
  overrides?: Readonly<Record<Path, fc.Arbitrary<unknown>>>;
  /** Accepts or refuses a value at a node with CEL rules; true when it satisfies them. */
  celFilter?: (path: Path, value: unknown) => boolean;
  /** Label keys, values and names are drawn partly from this pool so that selectors meet nodes. */
  vocabulary?: readonly string[];
  /** Caps for unbounded sizes, to keep worlds small; per path where one list costs more. */
  maxItems?: number;
  maxItemsAt?: Readonly<Record<Path, number>>;
  maxStringLength?: number;
}

const lower = 'abcdefghijklmnopqrstuvwxyz';
const digit = '0123456789';

function fromChars(chars: string, min: number, max: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...chars.split('')), minLength: min, maxLength: max });
}

/** RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])? */
export function dnsLabel(maxLength = 63, vocabulary: readonly string[] = []): fc.Arbitrary<string> {
  const generated = fc
    .tuple(fromChars(lower + digit, 1, 1), fromChars(lower + digit + '-', 0, Math.max(0, Math.min(maxLength, 20) - 2)), fromChars(lower + digit, 0, 1))
    .map(([a, b, c]) => (c === '' ? a : `${a}${b}${c}`).slice(0, maxLength))
    .filter((s) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s));
  const pool = vocabulary.filter((v) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) && v.length <= maxLength);
  return pool.length === 0 ? generated : fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: 3 }, { arbitrary: generated, weight: 1 });
}

/** A label name or value: letters, digits, '-', '_', '.', starting and ending alphanumeric. */
function labelName(vocabulary: readonly string[]): fc.Arbitrary<string> {
  const alnum = lower + lower.toUpperCase() + digit;
  const generated = fc
    .tuple(fromChars(alnum, 1, 1), fromChars(alnum + '-_.', 0, 18), fromChars(alnum, 0, 1))
    .map(([a, b, c]) => (c === '' ? a : `${a}${b}${c}`));
  const pool = vocabulary.filter((v) => /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])$/.test(v));
  return pool.length === 0 ? generated : fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: 3 }, { arbitrary: generated, weight: 1 });
}

function dnsSubdomain(vocabulary: readonly string[]): fc.Arbitrary<string> {
  return fc.array(dnsLabel(20, vocabulary), { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
}

const durationTerm = fc
  .tuple(fc.integer({ min: 0, max: 5_000 }), fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }), fc.constantFrom('ms', 's', 'm', 'h'))
  .map(([whole, fraction, unit]) => `${whole}${fraction === undefined ? '' : `.${fraction}`}${unit}`);

const conditionReason = fc
  .tuple(fromChars(lower + lower.toUpperCase(), 1, 1), fromChars(lower + lower.toUpperCase() + digit + '_,:', 0, 12), fromChars(lower + lower.toUpperCase() + digit + '_', 0, 1))
  .map(([a, b, c]) => (c === '' ? a : `${a}${b}${c}`));

/** The patterns the CRDs use, each with a generator of strings that match it. */
function patternArbitrary(pattern: string, vocabulary: readonly string[]): fc.Arbitrary<string> {
  switch (pattern) {
    case durationPattern.source:
      return fc.array(durationTerm, { minLength: 1, maxLength: 3 }).map((terms) => terms.join(''));
    case '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$':
      return dnsLabel(63, vocabulary);
    case '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$':
      return dnsSubdomain(vocabulary);
    case '^(https?://[^\\s]+)?$':
      return fc.oneof(fc.constant(''), fc.webUrl({ validSchemes: ['http', 'https'] }).filter((u) => !/\s/.test(u)));
    case '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$':
      return conditionReason;
    case '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$':
      return fc.oneof(fc.constantFrom('Ready', 'Placed', 'TargetFound', 'ForecastFresh'), conditionReason.filter((r) => /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(r)));
    case '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$':
      return fc.oneof({ arbitrary: labelName(vocabulary), weight: 4 }, { arbitrary: fc.constant(''), weight: 1 });
    case '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$':
      return fc.tuple(fc.option(dnsSubdomain(vocabulary), { nil: undefined }), labelName(vocabulary)).map(([prefix, name]) => (prefix === undefined ? name : `${prefix}/${name}`));
    default:
      throw new Error(`no generator for the pattern ${pattern}: add one to patternArbitrary`);
  }
}

// Date-times around now, and some far off, in RFC 3339 as the API server stores them.
const dateTime = fc
  .oneof(
    { arbitrary: fc.integer({ min: Date.UTC(2026, 10, 1), max: Date.UTC(2027, 0, 1) }), weight: 3 },
    { arbitrary: fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) }), weight: 1 },
  )
  .map((ms) => new Date(ms).toISOString());

function numberArbitrary(schema: OpenApiSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum;
  const max = schema.maximum;
  if (integer) {
    return fc.integer({
      min: min === undefined ? -1_000_000 : schema.exclusiveMinimum === true ? min + 1 : min,
      max: max === undefined ? 1_000_000 : schema.exclusiveMaximum === true ? max - 1 : max,
    });
  }
  const bounded = (lo: number, hi: number): fc.Arbitrary<number> =>
    fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true, minExcluded: schema.exclusiveMinimum === true && lo === min, maxExcluded: schema.exclusiveMaximum === true && hi === max });
  const lo = min ?? -Number.MAX_VALUE;
  const hi = max ?? Number.MAX_VALUE;
  // Mostly ordinary magnitudes spread evenly (fc.double alone favours the extremes of the
  // floating-point range, so budgets and round trips would rarely meet), sometimes anything
  // the schema allows: 0, 5e-324, 1.7e308.
  const ordinaryHi = Math.min(hi, Math.max(lo, 0) + 10_000);
  const ordinaryLo = Math.max(lo, Math.min(hi, 0) - 10_000);
  const even = fc
    .integer({ min: 0, max: 1_000_000 })
    .map((i) => ordinaryLo + ((ordinaryHi - ordinaryLo) * i) / 1_000_000)
    .filter((v) => (schema.exclusiveMinimum === true && v === min) || (schema.exclusiveMaximum === true && v === max) ? false : true);
  return fc.oneof({ arbitrary: even, weight: 3 }, { arbitrary: bounded(lo, hi), weight: 1 });
}

function stringArbitrary(schema: OpenApiSchema, options: SchemaArbitraryOptions): fc.Arbitrary<string> {
  const vocabulary = options.vocabulary ?? [];
  if (schema.pattern !== undefined) {
    const re = new RegExp(schema.pattern);
    return patternArbitrary(schema.pattern, vocabulary).filter((s) => re.test(s) && s.length <= (schema.maxLength ?? Infinity) && s.length >= (schema.minLength ?? 0));
  }
  if (schema.format === 'date-time') return dateTime;
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? Infinity, options.maxStringLength ?? 24));
  const free = fc.string({ minLength, maxLength });
  const pool = vocabulary.filter((v) => v.length >= minLength && v.length <= maxLength);
  return pool.length === 0 ? free : fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: 2 }, { arbitrary: free, weight: 1 });
}

export function schemaArbitrary(schema: OpenApiSchema, options: SchemaArbitraryOptions = {}, path: Path = ''): fc.Arbitrary<unknown> {
  const override = options.overrides?.[path];
  const base = override ?? structural(schema, options, path);
  const rules = schema['x-kubernetes-validations'];
  if (override !== undefined || rules === undefined || rules.length === 0 || options.celFilter === undefined) return base;
  const accepts = options.celFilter;
  return base.filter((value) => accepts(path, value));
}

function child(path: Path, name: string): Path {
  return path === '' ? name : `${path}.${name}`;
}

function structural(schema: OpenApiSchema, options: SchemaArbitraryOptions, path: Path): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const cap = options.maxItemsAt?.[path] ?? options.maxItems ?? 4;
  switch (schema.type) {
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return numberArbitrary(schema, true);
    case 'number':
      return numberArbitrary(schema, false);
    case 'string':
      return stringArbitrary(schema, options);
    case 'array': {
      const items = schema.items;
      if (items === undefined) return fc.constant([]);
      const item = schemaArbitrary(items, options, `${path}[]`);
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? cap, cap));
      const keys = schema['x-kubernetes-list-map-keys'];
      if (keys !== undefined) {
        return fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(keys.map((k) => (v as Record<string, unknown>)[k])) });
      }
      return fc.array(item, { minLength, maxLength });
    }
    case 'object':
    case undefined: {
      const properties = schema.properties ?? {};
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, sub] of Object.entries(properties)) record[name] = schemaArbitrary(sub, options, child(path, name));
      // Nodes the caller supplies (metadata) are always there, as on an object read from the API.
      const required = Object.keys(properties).filter((k) => (schema.required ?? []).includes(k) || options.overrides?.[child(path, k)] !== undefined);
      const fixed = fc.record(record, { requiredKeys: required });
      const extra = schema.additionalProperties;
      if (typeof extra !== 'object') return fixed;
      const maxKeys = Math.min(schema.maxProperties ?? cap, cap);
      const vocabulary = options.vocabulary ?? [];
      const key = vocabulary.length === 0 ? fc.string({ maxLength: 12 }) : fc.oneof(fc.constantFrom(...vocabulary), fc.string({ maxLength: 12 }));
      return fc.tuple(fixed, fc.dictionary(key, schemaArbitrary(extra, options, `${path}.*`), { maxKeys })).map(([a, b]) => ({ ...b, ...a }));
    }
    default:
      throw new Error(`no generator for type ${String(schema.type)} at ${path}`);
  }
}
