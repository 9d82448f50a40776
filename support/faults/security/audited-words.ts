import { parseDuration, StepInputError } from '../../parse.ts';
import type { AuditedEvent, System } from '../../system/system.ts';

// The words of "a client causes 300 audited rejected registrations per second for 3 seconds": the rate, the
// event (one the system declares in `audited`, written in the plural or the singular) and the duration.
// Checked before anything is sent, by the step and by `faultline plan` alike.

/** The highest rate a flood may ask for: far past what one client on a shared runner can keep. */
export const MAX_PER_SECOND = 5_000;
/** The longest flood: an overflow is judged over seconds, and CI runs every feature twice. */
export const MAX_FLOOD_MS = 60_000;

export function parseRate(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(n) || n < 1 || n > MAX_PER_SECOND)
    throw new StepInputError(
      `'${text}' audited events per second: a whole number of events per second from 1 to ${MAX_PER_SECOND}, e.g. 300`,
    );
  return n;
}

export function parseFloodDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms <= 0 || ms > MAX_FLOOD_MS)
    throw new StepInputError(
      `a flood of audited events for ${text}: a duration above 0 and at most ${MAX_FLOOD_MS / 1000} seconds, e.g. 3 seconds`,
    );
  return ms;
}

/** The declared auditable event the words name, singular or plural, or an error listing what is declared. */
export function auditedEvent(
  audited: System['audited'] | undefined,
  words: string,
): { words: string; declared: AuditedEvent } {
  if (!audited)
    throw new StepInputError(
      `the system declares no auditable events: add audited: { '${singular(words)}': { request: ({ id }) => ({ service, path, json }), events: ['<audit event name>'] } } to its defineSystem`,
    );
  for (const candidate of [words, singular(words)]) {
    const declared = audited[candidate];
    if (declared) return { words: candidate, declared };
  }
  throw new StepInputError(
    `'${words}' is not an auditable event the system declares; it declares: ${Object.keys(audited).join(', ') || 'none'} (write them in the plural: "audited ${Object.keys(audited)[0] ?? 'rejected registration'}s")`,
  );
}

function singular(words: string): string {
  return words.endsWith('s') ? words.slice(0, -1) : words;
}
