import type { LoadHandle, LoadRun } from './generator.ts';

// Loads started "in the background" by a step, per scenario: the fault steps run while they do, Then steps
// wait for them to finish before judging, and the After hook stops whatever a failed scenario left running.
// Keyed by the scenario's world object, so nothing here outlives it.
const running = new WeakMap<object, LoadHandle[]>();

export function track(owner: object, handle: LoadHandle): void {
  const list = running.get(owner) ?? [];
  list.push(handle);
  running.set(owner, list);
}

export function loadsOf(owner: object): readonly LoadHandle[] {
  return running.get(owner) ?? [];
}

/** Waits for every load of the scenario to finish (each is bounded by its own time limit). */
export async function finished(owner: object): Promise<LoadRun[]> {
  return Promise.all(loadsOf(owner).map((h) => h.done));
}

/** Stops every load still running (in-flight operations are recorded as unknown); returns every run. */
export async function stopAll(owner: object): Promise<LoadRun[]> {
  const loads = loadsOf(owner);
  for (const handle of loads) handle.stop();
  const runs = await Promise.all(loads.map((h) => h.done));
  running.delete(owner);
  return runs;
}

/** Stops every load still running without forgetting them: the After hook still collects every run. */
export function stopLoads(owner: object): void {
  for (const handle of loadsOf(owner)) handle.stop();
}
