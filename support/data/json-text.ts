// The declared request's JSON, read as text and as a tree: mutators need both where a value sits in the
// tree (a field to drop, a leaf to retype) and where a bracket sits in the text (one to lose). Small pure
// helpers, so each mutator is a few lines and testable alone.

export type JsonPath = readonly (string | number)[];

export interface Leaf {
  path: JsonPath;
  value: unknown;
}

/** Every value below the root with its path, depth first (objects and arrays included, the root not). */
export function valuesOf(json: unknown, path: JsonPath = []): Leaf[] {
  const found: Leaf[] = [];
  const visit = (value: unknown, at: JsonPath) => {
    if (at.length > 0) found.push({ path: at, value });
    if (Array.isArray(value)) for (const [i, v] of value.entries()) visit(v, [...at, i]);
    else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) visit(v, [...at, k]);
  };
  visit(json, path);
  return found;
}

/** A deep copy with the value at `path` replaced (or, with `remove`, taken out of its object). */
export function replaceAt(json: unknown, path: JsonPath, value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(json)) return json.map((v, i) => (i === head ? replaceAt(v, rest, value, remove) : v));
  const object = json as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) {
    if (k !== head) copy[k] = v;
    else if (rest.length > 0 || !remove) copy[k] = replaceAt(v, rest, value, remove);
  }
  return copy;
}

export const pathText = (path: JsonPath): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || 'the body';

/** Offsets of the brackets and braces in JSON text that are structure, not characters inside a string. */
export function structuralOffsets(text: string, which: string): number[] {
  const found: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c !== undefined && which.includes(c)) found.push(i);
  }
  return found;
}

/** The string leaf the operation's id sits in (the free-text field), else undefined. */
export function idLeaf(json: unknown, id: string): Leaf | undefined {
  return valuesOf(json).find((l) => typeof l.value === 'string' && l.value.includes(id));
}

/** A seeded pick; `random` is the run's seeded stream. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
