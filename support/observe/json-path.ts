import { StepInputError } from '../parse.ts';

// The small JSON path an HTTP probe reads a value with: `$`, `.key`, `["key"]`, `[n]` (negative counts
// from the end) and `.length` of an array or a text. Written here rather than depended on: a probe needs
// one value out of a health or status reply, not filters or unions, and every step of the path can say
// where it stopped when the document does not have it.

export type PathStep = { key: string } | { index: number } | { length: true };

export const JSON_PATH_WORDS = '$ then .key, ["key"], [n] or .length, e.g. $.workers.length or $.items[0].id';

export class JsonPathError extends StepInputError {}

export function parseJsonPath(text: string): PathStep[] {
  const t = text.trim();
  if (!t.startsWith('$'))
    throw new JsonPathError(`JSON path '${text}' must start with $; accepted: ${JSON_PATH_WORDS}`);
  const steps: PathStep[] = [];
  const token = /\.([A-Za-z_][\w-]*)|\[(-?\d+)\]|\["([^"]*)"\]/y;
  token.lastIndex = 1;
  while (token.lastIndex < t.length) {
    const at = token.lastIndex;
    const m = token.exec(t);
    if (!m)
      throw new JsonPathError(
        `JSON path '${text}' cannot be read at '${t.slice(at)}'; accepted: ${JSON_PATH_WORDS}`,
      );
    if (m[1] !== undefined) steps.push(m[1] === 'length' ? { length: true } : { key: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else steps.push({ key: m[3] as string });
  }
  return steps;
}

/** The value at the path; throws naming the step where the document has nothing. */
export function readJsonPath(document: unknown, path: readonly PathStep[], text = '$'): unknown {
  let value: unknown = document;
  let where = '$';
  for (const step of path) {
    if ('length' in step) {
      if (Array.isArray(value) || typeof value === 'string') value = value.length;
      else if (value !== null && typeof value === 'object' && 'length' in value)
        value = (value as Record<string, unknown>).length;
      else throw new JsonPathError(`${text}: ${where} is ${kind(value)}, which has no length`);
      where += '.length';
    } else if ('index' in step) {
      if (!Array.isArray(value)) throw new JsonPathError(`${text}: ${where} is ${kind(value)}, not an array`);
      const i = step.index < 0 ? value.length + step.index : step.index;
      if (i < 0 || i >= value.length)
        throw new JsonPathError(`${text}: ${where} has ${value.length} item(s), no [${step.index}]`);
      value = value[i];
      where += `[${step.index}]`;
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !(step.key in value))
        throw new JsonPathError(`${text}: ${where} has no key '${step.key}' (it is ${kind(value)})`);
      value = (value as Record<string, unknown>)[step.key];
      where += `.${step.key}`;
    }
  }
  return value;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object')
    return `an object with keys ${Object.keys(value).slice(0, 8).join(', ') || '(none)'}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
