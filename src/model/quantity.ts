// Kubernetes resource quantities ("500m", "2", "64Gi", "1e3", "100M") as plain numbers.
// Grammar from k8s.io/apimachinery resource.Quantity: <signedNumber><suffix>, where the suffix
// is a binary SI unit (Ki..Ei), a decimal SI unit (n, u, m, "", k, M, G, T, P, E) or a decimal
// exponent (e3, E-2). "1E" is one exa; "1E3" is a thousand.

const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const quantityPattern = /^([+-]?(?:\d+\.?\d*|\.\d+))(.*)$/;
const exponentPattern = /^[eE]([+-]?\d+)$/;

export class QuantityError extends Error {
  override name = 'QuantityError';
}

/** The value of a quantity as a number (cores for cpu, bytes for memory, a count for GPUs). */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') {
    if (!Number.isFinite(quantity)) throw new QuantityError(`invalid quantity ${String(quantity)}`);
    return quantity;
  }
  const text = quantity.trim();
  const match = quantityPattern.exec(text);
  if (match === null) throw new QuantityError(`invalid quantity "${quantity}"`);
  const mantissa = Number(match[1]);
  const suffix = match[2] ?? '';
  const binary = binarySuffixes[suffix];
  if (binary !== undefined) return mantissa * binary;
  const decimal = decimalSuffixes[suffix];
  if (decimal !== undefined) {
    // Multiplying by 1e-3 leaves 0.30000000000000004 for "300m": divide for sub-unit suffixes.
    return decimal < 1 ? mantissa / Math.round(1 / decimal) : mantissa * decimal;
  }
  const exponent = exponentPattern.exec(suffix);
  if (exponent !== null) return Number(`${match[1] ?? ''}e${exponent[1] ?? ''}`);
  throw new QuantityError(`invalid quantity "${quantity}": unknown suffix "${suffix}"`);
}

/** CPU in millicores, rounded up as Kubernetes does ("0.1m" asks for 1m). */
export function cpuMillicores(quantity: string | number): number {
  return Math.ceil(parseQuantity(quantity) * 1000 - 1e-9);
}

/** Memory (or any byte quantity) in bytes, rounded up. */
export function bytes(quantity: string | number): number {
  return Math.ceil(parseQuantity(quantity) - 1e-9);
}

/** Millicores as a quantity string: "1500m", or "2" for whole cores. */
export function formatCpu(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

/** Bytes as a quantity string in the largest binary unit that divides it ("64Gi"). */
export function formatBytes(value: number): string {
  const units = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const;
  for (const unit of units) {
    const size = binarySuffixes[unit] ?? 1;
    if (value !== 0 && value % size === 0) return `${value / size}${unit}`;
  }
  return String(value);
}
