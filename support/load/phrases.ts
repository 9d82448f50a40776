import { parseDuration, parseSize, StepInputError } from '../parse.ts';
import type { LoadPlan } from './plan.ts';

// Step words for load, parsed strictly: a wrong word fails with what would have been accepted, never as an
// undefined step or a silently different experiment.

/** Per-operation timeout when the step names none: long enough for a retried request, short enough to end. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Open-loop slots are capped so a stalled system costs bounded memory and sockets. */
export const MAX_IN_FLIGHT = 10_000;

/** A size before an operation's name: "512 KB document conversion requests". */
const SIZED = /^(\d+(?:\.\d+)?\s*(?:B|KB|MB|GB)) (.+)$/i;

/**
 * An operation's words with the size of its payload, if they name one ("512 KB order requests"): the size
 * goes to the system's operation (its declared request's body), the rest names the operation.
 */
export function sizedOperation(words: string): { words: string; sizeBytes?: number } {
  const sized = words.trim().match(SIZED);
  return sized ? { words: sized[2]!, sizeBytes: parseSize(sized[1]!) } : { words: words.trim() };
}

/** "order requests" → "order request", checked against the system's operations. */
export function operationKind(words: string, known: readonly string[]): string {
  const text = words.trim();
  if (known.includes(text)) return text;
  if (text.endsWith('s') && known.includes(text.slice(0, -1))) return text.slice(0, -1);
  throw new StepInputError(
    `'${text}' is not an operation of this system: write one of ${known.map((k) => `"${k}s"`).join(', ') || '(none: the system lists no operations)'}`,
  );
}

/** The words of a load step; numbers may arrive already converted (cucumber turns (\d+) groups into ints). */
export interface LoadWords {
  clients?: string | number;
  rate?: string | number;
  count?: string | number;
  duration?: string;
  timeout?: string;
}

const wholeNumber = (words: string | number, what: string): number => {
  const text = String(words).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1)
    throw new StepInputError(`'${text}' is not a number of ${what}: write a whole number ≥ 1`);
  return n;
};

/** Builds a closed-loop (clients) or open-loop (rate) plan from a step's words. */
export function planFromWords(words: LoadWords): LoadPlan {
  const timeoutMs = words.timeout ? parseDuration(words.timeout) : DEFAULT_TIMEOUT_MS;
  const durationMs = words.duration ? parseDuration(words.duration) : undefined;
  const count = words.count ? wholeNumber(words.count, 'operations') : undefined;
  if (durationMs === undefined && count === undefined)
    throw new StepInputError(
      'say how much load: a duration ("for 30 seconds"), a count ("submit 100 …"), or both',
    );
  if (words.rate !== undefined) {
    const rate = Number(words.rate);
    if (!(rate > 0) || !/^\d+(?:\.\d+)?$/.test(String(words.rate).trim()))
      throw new StepInputError(
        `'${words.rate}' is not a rate: write a number of requests per second > 0, e.g. 50`,
      );
    // N concurrent clients sharing the rate: never more than N requests in flight (a due request waits for a
    // client, its latency still counted from when it was due). Without a number, enough slots that only a
    // system slower than the timeout makes operations wait for one.
    const maxInFlight =
      words.clients !== undefined && words.clients !== null
        ? wholeNumber(words.clients, 'clients')
        : Math.min(MAX_IN_FLIGHT, Math.max(1, Math.ceil((rate * timeoutMs) / 1000)));
    return { shape: { loop: 'open', ratePerSecond: rate, maxInFlight }, durationMs, count, timeoutMs };
  }
  const clients = wholeNumber(words.clients ?? '', 'clients');
  return { shape: { loop: 'closed', clients }, durationMs, count, timeoutMs };
}
