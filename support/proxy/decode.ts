// Request bodies are decoded the way Go's encoding/json decodes them for upstream Toxiproxy, because
// clients rely on its leniency: only the first JSON value is read (trailing bytes are ignored), object keys
// match field names case-insensitively (the last matching key wins), unknown keys are ignored, `null`
// leaves a field at its current value, and a value of the wrong type is an error. Messages are ours but
// keep Go's shape ("json: cannot unmarshal string into Go struct field Proxy.name of type string").

export class DecodeError extends Error {}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Parse the first JSON value of a body; an empty body is Go's "EOF". */
export function parseFirstValue(text: string): JsonValue {
  let start = 0;
  while (start < text.length && /\s/.test(text[start]!)) start++;
  if (start === text.length) throw new DecodeError('EOF');
  const end = endOfValue(text, start);
  try {
    return JSON.parse(text.slice(start, end)) as JsonValue;
  } catch (error) {
    throw new DecodeError((error as Error).message);
  }
}

/** Where the value starting at `start` ends (exclusive); malformed input is left for JSON.parse to name. */
function endOfValue(text: string, start: number): number {
  const first = text[start];
  if (first === '{' || first === '[') {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  if (first === '"') {
    for (let i = start + 1; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') return i + 1;
    }
    return text.length;
  }
  let i = start;
  while (i < text.length && !/[\s,{}[\]:"]/.test(text[i]!)) i++;
  return i;
}

export type FieldType = 'string' | 'bool' | 'number' | 'integer' | 'object';

const goTypes: Record<FieldType, string> = {
  string: 'string',
  bool: 'bool',
  number: 'float32',
  integer: 'int64',
  object: 'map[string]interface {}',
};

function jsonKind(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

export type Decoded = { [field: string]: string | boolean | number | { [key: string]: JsonValue } };

/**
 * Pick the fields of `schema` out of a JSON object. Returns only the fields present with a non-null value.
 * `structName` only decorates error messages.
 */
export function decodeObject(
  value: JsonValue,
  schema: Record<string, FieldType>,
  structName: string,
): Decoded {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DecodeError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type ${structName}`);
  }
  const fields = Object.keys(schema);
  const out: Decoded = {};
  for (const [key, raw] of Object.entries(value)) {
    const lower = key.toLowerCase();
    const field = fields.find((f) => f.toLowerCase() === lower);
    if (field === undefined || raw === null) continue;
    const type = schema[field]!;
    const mismatch = (): never => {
      const shown = type === 'integer' && typeof raw === 'number' ? `number ${raw}` : jsonKind(raw);
      throw new DecodeError(
        `json: cannot unmarshal ${shown} into Go struct field ${structName}.${field} of type ${goTypes[type]}`,
      );
    };
    switch (type) {
      case 'string':
        if (typeof raw !== 'string') mismatch();
        break;
      case 'bool':
        if (typeof raw !== 'boolean') mismatch();
        break;
      case 'number':
        if (typeof raw !== 'number') mismatch();
        break;
      case 'integer':
        if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) mismatch();
        break;
      case 'object':
        if (typeof raw !== 'object' || Array.isArray(raw)) mismatch();
        break;
    }
    out[field] = raw as Decoded[string];
  }
  return out;
}

export function decodeArray(value: JsonValue, elementName: string): JsonValue[] {
  if (value === null) return [];
  if (!Array.isArray(value)) {
    throw new DecodeError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type []${elementName}`);
  }
  return value;
}
