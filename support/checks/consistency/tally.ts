import type { Operation, Outcome } from '../../load/history.ts';

// What the set, queue and exactly-once checkers share: the client's history and the system's record of
// effects joined by operation id. Jepsen's rules for reading a history: an id's outcome is the best any of
// its operations saw (ok over unknown over fail: a client that re-submits an id after a timeout and is told
// ok has an acknowledged operation), and an effect under an id no operation of the run carried was never
// attempted here. One hash lookup per record into a dense slot, then flat typed arrays: 100,000 operations
// with their effects are tallied in tens of milliseconds.

/**
 * One effect of an operation as the system recorded it (a ledger row, a stored item, a consumed message):
 * one entry per effect, so an operation applied twice appears twice.
 */
export interface RecordedEffect {
  /** The id of the operation it records (OperationContext.id: the id the client sent). */
  id: string;
  /** When the system applied it (ms epoch), when it records that. */
  at?: number;
  /** The key it belongs to, for systems that promise order per key. */
  key?: string;
  /** Its position in the key's order as the system applied it (higher = later), with `key`. */
  seq?: number;
  /** Who applied it (a worker, a consumer), for the report. */
  by?: string;
}

/** What the system remembers of an operation's outcome (an idempotency store): what a retry would be told. */
export interface RememberedOutcome {
  id: string;
  status: 'succeeded' | 'failed';
}

export const OUTCOMES: readonly Outcome[] = ['fail', 'unknown', 'ok'];
const RANK: Record<Outcome, number> = { fail: 0, unknown: 1, ok: 2 };
/** The rank of an id that only effects carry: no operation of this run had it. */
export const NEVER_ATTEMPTED = -1;

export interface Tally {
  /** Every id seen, attempted or only recorded, in order of first sight. */
  ids: string[];
  slotOf: Map<string, number>;
  /** Per slot: the best outcome's rank (OUTCOMES index), or NEVER_ATTEMPTED. */
  rank: Int8Array;
  /** Per slot: how many effects the system recorded. */
  effects: Int32Array;
}

export function tally(operations: readonly Operation[], effects: readonly RecordedEffect[]): Tally {
  const capacity = operations.length + effects.length;
  const slotOf = new Map<string, number>();
  const ids: string[] = [];
  const rank = new Int8Array(capacity);
  const counts = new Int32Array(capacity);
  for (const op of operations) {
    let s = slotOf.get(op.id);
    if (s === undefined) {
      s = ids.length;
      slotOf.set(op.id, s);
      ids.push(op.id);
      rank[s] = RANK[op.outcome];
    } else if (RANK[op.outcome] > (rank[s] as number)) rank[s] = RANK[op.outcome];
  }
  for (const effect of effects) {
    let s = slotOf.get(effect.id);
    if (s === undefined) {
      s = ids.length;
      slotOf.set(effect.id, s);
      ids.push(effect.id);
      rank[s] = NEVER_ATTEMPTED;
    }
    counts[s] = (counts[s] as number) + 1;
  }
  return { ids, slotOf, rank, effects: counts };
}

/** The id's best outcome, or undefined when no operation of the run carried it. */
export const outcomeAt = (t: Tally, slot: number): Outcome | undefined => {
  const r = t.rank[slot] as number;
  return r === NEVER_ATTEMPTED ? undefined : (OUTCOMES[r] as Outcome);
};

/** How many ids a message spells out; the figures (and the attachment) list every one. */
export const SHOWN = 20;

/** "a, b, c and 17 more (all in the figures)". */
export function listed(ids: readonly string[], shown = SHOWN): string {
  const head = ids.slice(0, shown).join(', ');
  return ids.length > shown ? `${head} and ${ids.length - shown} more (all in the figures)` : head;
}
