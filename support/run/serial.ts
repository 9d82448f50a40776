import type { Pickle } from '@cucumber/messages';

// Scenarios run in parallel (the `ci` profile: one cucumber worker per core), except those tagged @serial:
// an experiment whose verdict another scenario's load would disturb — an SLO or latency measurement, CPU or
// memory pressure, anything timing-sensitive — runs with no other scenario beside it, so running the suite
// in parallel never loosens a verdict. Two rules do it:
//
// - `canAssign` (cucumber's setParallelCanAssign, registered in support/hooks.ts): a @serial scenario starts
//   only when nothing runs, and nothing starts while a @serial one runs.
// - `serialLast` (the `pickles:order` transform of support/run/serial-plugin.ts): @serial scenarios are
//   queued after all others. Cucumber 13 hands new work only to the worker that just finished; a worker that
//   finds nothing it may take goes idle for the rest of the run. With a @serial scenario early in the queue,
//   the other worker would idle from then on; at the end, the @serial scenarios run one after another on
//   whichever worker finishes last — which is exactly what they need.

export const SERIAL_TAG = '@serial';

/** Whether a scenario (its own tags, its feature's and its rule's) must run alone. */
export function isSerial(pickle: Pick<Pickle, 'tags'>): boolean {
  return pickle.tags.some((tag) => tag.name === SERIAL_TAG);
}

/** May `pickle` start now, beside `running`? */
export function canAssign(pickle: Pick<Pickle, 'tags'>, running: readonly Pick<Pickle, 'tags'>[]): boolean {
  if (isSerial(pickle)) return running.length === 0;
  return !running.some(isSerial);
}

/** The same scenarios, @serial ones moved after all others; each part keeps its order. */
export function serialLast<T extends { pickle: Pick<Pickle, 'tags'> }>(pickles: readonly T[]): T[] {
  return [...pickles.filter((p) => !isSerial(p.pickle)), ...pickles.filter((p) => isSerial(p.pickle))];
}
