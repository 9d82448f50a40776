import { setTimeout as sleep } from 'node:timers/promises';

// Much of what faultline waits for cannot be awaited, only looked at again: a store answering after its
// restart, a process the kernel reports stopped, Prometheus having scraped every target, a read-back that
// passes once a lagging consumer caught up. Every such wait is the same loop — try, stop if it holds, stop
// if the time is up, wait, try again — and it was written out by hand many times, each with its own small
// differences (is the deadline checked before or after the attempt, what is returned when it runs out). It
// is written once here, by hand: of the dependencies, cockatiel is a dev dependency only (the published
// package cannot use it), and testcontainers' IntervalRetry would load testcontainers (which the containers
// backend imports lazily) into every backend, for a loop of ten lines.
//
// The order is fixed: the first attempt is made at once, the deadline is checked after each attempt (an
// attempt that ends past the deadline is the last one, never followed by another), and the wait comes
// between attempts. An attempt that throws ends the poll with its error: a caller for whom an error means
// "not yet" catches it in the attempt.

export type PollOptions = {
  /** The pause between one attempt's end and the next one's start. */
  everyMs: number;
  /**
   * Never wait past the deadline: the wait before the last attempt is cut short, so that attempt is made
   * at the deadline rather than up to `everyMs` after it (a reading that must fall inside a window).
   */
  toDeadline?: boolean;
  /** Ends the poll at once, rejecting with the signal's reason. */
  signal?: AbortSignal;
} & (
  | { /** Give up once this long has passed since the poll began. */ timeoutMs: number; deadline?: never }
  | { /** Give up at this time (epoch ms). */ deadline: number; timeoutMs?: never }
);

export interface Polled<T> {
  /** Whether `done` held for the last attempt's value (false: the time ran out first). */
  held: boolean;
  /** The last attempt's value. */
  value: T;
}

/** Makes attempts until `done` holds for one's value or the deadline passes: the last value, and whether it held. */
export async function poll<T>(
  attempt: () => T | Promise<T>,
  done: (value: T) => boolean,
  options: PollOptions,
): Promise<Polled<T>> {
  const deadline = options.deadline ?? Date.now() + (options.timeoutMs as number);
  const { signal } = options;
  for (;;) {
    signal?.throwIfAborted();
    const value = await attempt();
    if (done(value)) return { held: true, value };
    const left = deadline - Date.now();
    if (left <= 0) return { held: false, value };
    const wait = options.toDeadline ? Math.min(options.everyMs, left) : options.everyMs;
    await sleep(wait, undefined, { signal });
  }
}

/** Checks until `check` holds or the deadline passes; returns whether it held. */
export async function until(check: () => boolean | Promise<boolean>, options: PollOptions): Promise<boolean> {
  return (await poll(check, (held) => held, options)).held;
}
