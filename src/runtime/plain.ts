// client-node types its request bodies as generated classes, but they are plain data: the
// serializer reads fields and never calls methods, and the API server receives JSON. This is the
// one place where a plain object literal is passed off as such a model (top-level keys checked).
export function plain<T extends object>(value: Partial<Record<keyof T, unknown>>): T {
  return value as T;
}
