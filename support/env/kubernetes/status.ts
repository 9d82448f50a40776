import type { ChaosState } from './client.ts';

// Reading a chaos object's status the way Chaos Mesh writes it: conditions Selected / AllInjected /
// AllRecovered ("True"/"False"), and one record per selected target (a pod or container, `id`
// namespace/name) with its phase — "Injected" or "Not Injected" — and the events of its injections and
// recoveries (a failed one carries Chaos Mesh's message).

export interface Injection {
  /** Every target selected reports injected. */
  injected: boolean;
  /** Every target reports recovered (after a delete, before the object is gone). */
  recovered: boolean;
  /** Chaos Mesh selected no target at all (condition Selected False). */
  nothingSelected: boolean;
  /** "shop/worker-0: Injected" per target. */
  targets: string[];
  /** Messages of failed events, newest last. */
  failures: string[];
}

const condition = (state: ChaosState, type: string): string | undefined =>
  state.status?.conditions?.find((c) => c.type === type)?.status;

export function injectionOf(state: ChaosState): Injection {
  const records = state.status?.experiment?.containerRecords ?? [];
  const allPhase = (phase: string) => records.length > 0 && records.every((r) => r.phase === phase);
  const injected = condition(state, 'AllInjected');
  const recovered = condition(state, 'AllRecovered');
  // A short fault may have been injected and already recovered by its own duration before a read sees it:
  // every target counted an injection is proof enough that it happened.
  const everyCounted = records.length > 0 && records.every((r) => r.injectedCount > 0);
  return {
    // The condition when Chaos Mesh has set it; the records otherwise (older versions set fewer conditions).
    injected:
      everyCounted ||
      (injected === undefined ? allPhase('Injected') : injected === 'True' && records.length > 0),
    recovered: recovered === undefined ? allPhase('Not Injected') : recovered === 'True',
    nothingSelected: condition(state, 'Selected') === 'False',
    targets: records.map((r) => `${r.id}: ${r.phase}`),
    failures: records.flatMap((r) =>
      (r.events ?? [])
        .filter((e) => e.type === 'Failed')
        .map((e) => `${r.id} ${e.operation}: ${e.message ?? 'failed'}`),
    ),
  };
}
