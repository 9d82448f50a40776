import { parseDuration, StepInputError } from '../parse.ts';

// A tolerance says which values of a probe count as the steady state: the third column of a hypothesis
// table. Written in words, parsed once (at plan time too), so a typo is refused before anything starts.

/** What a probe reads: a number (a count, a status, a latency in ms), a text, or yes/no. */
export type ProbeValue = number | string | boolean;

export interface Tolerance {
  /** As written, for messages ("at most 200 ms"). */
  text: string;
  accepts(value: ProbeValue): boolean;
  /** How far a value is from the tolerance, in words ("503, expected 200"; "412 ms, 212 ms above 200 ms"). */
  distance(value: ProbeValue): string;
}

export const TOLERANCE_WORDS =
  'equals <value> (a number, true, false or "text"), at least <n>, at most <n>, between <a> and <b> (numbers, or durations such as 200 ms for a latency), matching /regex/, present (at least one), absent (none)';

export class ToleranceError extends StepInputError {}

/** "3", "200 ms", "2 s" → a number (durations in ms); undefined when it is neither. */
function quantity(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^-?\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed);
  try {
    return parseDuration(trimmed);
  } catch {
    return undefined;
  }
}

export const show = (value: ProbeValue): string =>
  typeof value === 'string' ? JSON.stringify(value) : String(value);

/** A probe's reading as a number, when it is one (a numeric text counts: SQL and Redis answer in text). */
function numeric(value: ProbeValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(?:\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

function bounded(text: string, low: number, high: number, unit: string): Tolerance {
  const u = unit ? ` ${unit}` : '';
  return {
    text,
    accepts: (value) => {
      const n = numeric(value);
      return n !== undefined && n >= low && n <= high;
    },
    distance: (value) => {
      const n = numeric(value);
      if (n === undefined) return `${show(value)}, not a number`;
      if (n < low) return `${n}${u}, ${round(low - n)}${u} below ${low}${u}`;
      if (n > high) return `${n}${u}, ${round(n - high)}${u} above ${high}${u}`;
      return `${n}${u}, within`;
    },
  };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** Parses a tolerance; throws, naming what was wrong and what is accepted. */
export function parseTolerance(text: string): Tolerance {
  const t = text.trim();
  const unit = /\b(ms|s|seconds?|milliseconds?|min|minutes?)\s*$/i.test(t) ? 'ms' : '';
  let m = t.match(/^(at least|at most)\s+(.+)$/i);
  if (m) {
    const n = quantity(m[2] as string);
    if (n === undefined) throw bad(t, `'${m[2]}' is not a number or a duration`);
    return m[1]?.toLowerCase() === 'at least'
      ? bounded(t, n, Number.POSITIVE_INFINITY, unit)
      : bounded(t, Number.NEGATIVE_INFINITY, n, unit);
  }
  m = t.match(/^between\s+(.+?)\s+and\s+(.+)$/i);
  if (m) {
    const rawLow = m[1] as string;
    // "between 100 and 200 ms": the unit written once, after the upper bound, applies to both.
    const low = quantity(
      unit && /^\d+(?:\.\d+)?$/.test(rawLow) ? `${rawLow} ${t.split(/\s+/).at(-1)}` : rawLow,
    );
    const high = quantity(m[2] as string);
    if (low === undefined || high === undefined)
      throw bad(t, `'${low === undefined ? rawLow : m[2]}' is not a number or a duration`);
    if (low > high) throw bad(t, `the lower bound ${low} is above the upper bound ${high}`);
    return bounded(t, low, high, unit);
  }
  m = t.match(/^equals\s+(.+)$/i);
  if (m) return equals(t, m[1] as string);
  m = t.match(/^matching\s+\/(.*)\/([imsu]*)$/i);
  if (m) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(m[1] as string, m[2]);
    } catch (error) {
      throw bad(t, `the regular expression does not compile (${(error as Error).message})`);
    }
    return {
      text: t,
      accepts: (value) => pattern.test(String(value)),
      distance: (value) => `${show(value)}, does not match ${pattern}`,
    };
  }
  if (/^present$/i.test(t)) return countTolerance(t, 1, Number.POSITIVE_INFINITY, 'none seen');
  if (/^absent$/i.test(t)) return countTolerance(t, 0, 0, 'seen');
  throw bad(t, 'it starts with no tolerance word');
}

function equals(text: string, raw: string): Tolerance {
  const r = raw.trim();
  let expected: ProbeValue;
  if (/^"(.*)"$/.test(r)) expected = r.slice(1, -1);
  else if (/^(true|false)$/i.test(r)) expected = r.toLowerCase() === 'true';
  else {
    const n = quantity(r);
    if (n === undefined) throw bad(text, `'${r}' is not a number, true, false or a "quoted text"`);
    expected = n;
  }
  const accepts = (value: ProbeValue) =>
    typeof expected === 'number'
      ? numeric(value) === expected
      : value === expected || String(value) === String(expected);
  return { text, accepts, distance: (value) => `${show(value)}, expected ${show(expected)}` };
}

/** present/absent: a count of matches (a log probe), or yes/no (a process, an HTTP reply). */
function countTolerance(text: string, low: number, high: number, miss: string): Tolerance {
  const asCount = (value: ProbeValue) => (typeof value === 'boolean' ? (value ? 1 : 0) : numeric(value));
  return {
    text,
    accepts: (value) => {
      const n = asCount(value);
      return n !== undefined && n >= low && n <= high;
    },
    distance: (value) => {
      const n = asCount(value);
      return n === undefined ? `${show(value)}, not a count` : `${miss} (${n})`;
    },
  };
}

function bad(text: string, why: string): ToleranceError {
  return new ToleranceError(`tolerance '${text}' cannot be parsed: ${why}; accepted: ${TOLERANCE_WORDS}`);
}
