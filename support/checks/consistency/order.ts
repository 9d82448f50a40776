import type { Operation } from '../../load/history.ts';
import { unknownVerdict, type Verdict } from '../verdict.ts';
import { listed, type RecordedEffect } from './tally.ts';

// Per-key order, for systems that promise it: within one key, the order the system applied operations (its
// records' `seq`) must agree with real time. Operation A precedes B when A was acknowledged before B was
// first invoked — then no client could have seen them concurrent, and B applied before A is a reordering.
// Concurrent operations (overlapping in time) may be applied in either order, and an operation that was
// never acknowledged precedes nothing (its effect may land at any time). A key where no operation precedes
// another proves nothing, and a run where no key does is UNKNOWN.
//
// Each key's effects are walked from the last applied to the first, keeping the earliest acknowledgement
// among those applied later: O(n log n) for n effects, whatever the number of keys.

interface Entry {
  id: string;
  seq: number;
  /** The first invocation of the id: the earliest its effect could have happened. */
  invokedAt: number;
  /** The first acknowledgement of the id, or Infinity if none was acknowledged. */
  ackedAt: number;
}

export interface Reordering {
  key: string;
  /** Applied first … */
  early: { id: string; seq: number; invokedAt: number };
  /** … though this one, applied later, was acknowledged before `early` was invoked. */
  late: { id: string; seq: number; ackedAt: number };
}

export interface OrderReport {
  operation: string;
  keys: number;
  /** Effects of this run's operations judged (one per id: its first application). */
  judged: number;
  /** Of those, how many had a real-time predecessor on their key: the ones order could break. */
  constrained: number;
  reorderings: Reordering[];
}

/** The declaration the order checker needs, as an error: names the fields and the ids that lack them. */
export class UndeclaredOrder extends Error {
  constructor(operation: string, missing: readonly string[]) {
    super(
      `the system's records of ${operation} carry no key and seq for ${missing.length} effect(s) (${listed(missing, 5)}): per-key order needs each RecordedEffect to say which key it belongs to (key) and its position in that key's order as applied (seq, higher = later). Declare them in records['${operation}'].effects, or judge presence with "every acknowledged ${operation} is present after the heal" instead`,
    );
    this.name = 'UndeclaredOrder';
  }
}

export function checkOrder(
  operation: string,
  operations: readonly Operation[],
  effects: readonly RecordedEffect[],
): OrderReport {
  const times = new Map<string, { invokedAt: number; ackedAt: number }>();
  for (const op of operations) {
    const t = times.get(op.id) ?? { invokedAt: Infinity, ackedAt: Infinity };
    t.invokedAt = Math.min(t.invokedAt, op.invokedAt);
    if (op.outcome === 'ok') t.ackedAt = Math.min(t.ackedAt, op.completedAt);
    times.set(op.id, t);
  }
  const missing = effects.filter((e) => e.key === undefined || e.seq === undefined).map((e) => e.id);
  if (missing.length > 0) throw new UndeclaredOrder(operation, missing);
  // One entry per id of this run, its first application; effects never attempted are the set's business.
  const first = new Map<string, RecordedEffect>();
  for (const e of effects)
    if (times.has(e.id) && (first.get(e.id)?.seq ?? Infinity) > (e.seq as number)) first.set(e.id, e);
  const byKey = new Map<string, Entry[]>();
  for (const [id, e] of first) {
    const t = times.get(id) as { invokedAt: number; ackedAt: number };
    const entries = byKey.get(e.key as string) ?? [];
    entries.push({ id, seq: e.seq as number, ...t });
    byKey.set(e.key as string, entries);
  }
  const report: OrderReport = {
    operation,
    keys: byKey.size,
    judged: first.size,
    constrained: 0,
    reorderings: [],
  };
  for (const [key, entries] of byKey) {
    entries.sort((a, b) => a.seq - b.seq);
    const earliestAck = Math.min(...entries.map((e) => e.ackedAt));
    let laterAck: Entry | undefined;
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i] as Entry;
      if (earliestAck < e.invokedAt) report.constrained += 1;
      if (laterAck && laterAck.ackedAt < e.invokedAt && laterAck.seq > e.seq)
        report.reorderings.push({
          key,
          early: { id: e.id, seq: e.seq, invokedAt: e.invokedAt },
          late: { id: laterAck.id, seq: laterAck.seq, ackedAt: laterAck.ackedAt },
        });
      if (!laterAck || e.ackedAt < laterAck.ackedAt) laterAck = e;
    }
  }
  return report;
}

const describe = (r: Reordering): string =>
  `key ${r.key}: ${r.early.id} (seq ${r.early.seq}) applied before ${r.late.id} (seq ${r.late.seq}), though ${r.late.id} was acknowledged ${r.early.invokedAt - r.late.ackedAt} ms before ${r.early.id} was invoked`;

export function orderVerdict(report: OrderReport): Verdict {
  const check = `the ${report.operation}s of each key are applied in order`;
  const figures: Verdict['figures'] = {
    operation: report.operation,
    keys: report.keys,
    judged: report.judged,
    constrained: report.constrained,
    reordered: report.reorderings.map(describe),
  };
  const summary = `${report.judged} ${report.operation}(s) applied over ${report.keys} key(s), ${report.constrained} of them after an acknowledged one of their key`;
  if (report.reorderings.length > 0)
    return {
      check,
      pass: false,
      message: `${summary}; ${report.reorderings.length} applied out of real-time order: ${report.reorderings
        .slice(0, 5)
        .map(describe)
        .join(
          '; ',
        )}${report.reorderings.length > 5 ? `; and ${report.reorderings.length - 5} more (all in the figures)` : ''}`,
      figures,
    };
  if (report.constrained === 0)
    return unknownVerdict(
      check,
      `${summary}: no operation of a key followed an acknowledged one, so no order was promised — nothing is proven`,
      figures,
    );
  return { check, pass: true, message: `${summary}: every key applied in real-time order`, figures };
}
