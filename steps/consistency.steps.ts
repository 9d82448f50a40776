import { Then } from '@cucumber/cucumber';
import { compareEffects, type FailedPolicy } from '../support/checks/consistency/effects.ts';
import { checkOrder, orderVerdict } from '../support/checks/consistency/order.ts';
import { queueVerdict } from '../support/checks/consistency/queue.ts';
import { HEAL_GRACE_MS, ReadBackError, reading, SETTLE_MS } from '../support/checks/consistency/read-back.ts';
import { setVerdict } from '../support/checks/consistency/set.ts';
import type { RecordedEffect, RememberedOutcome } from '../support/checks/consistency/tally.ts';
import { checkExactlyOnce, exactlyOnceVerdict } from '../support/checks/exactly-once.ts';
import type { Verdict } from '../support/checks/verdict.ts';
import type { Operation } from '../support/load/history.ts';
import { operationKind } from '../support/load/phrases.ts';
import { finished } from '../support/load/running.ts';
import { requireRecords } from '../support/system/system.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { judge, settle } from './judge.ts';

// Consistency verdicts for any system (Jepsen's set and queue checkers, per-key order, exactly-once): the
// scenario's history of one operation against what the system recorded of it, read back through its
// declared `records`. Each waits for the scenario's loads and for its timed faults to heal, then reads back
// until the verdict settles.

const AFTER_LOAD = { timeout: 60 * 60_000 };

interface ReadBack {
  operation: string;
  history: Operation[];
  read: () => Promise<RecordedEffect[]>;
  remember?: () => Promise<RememberedOutcome[]>;
  failed: FailedPolicy;
}

/** The operation the step's words name, its history, and how to read back what it did. */
async function readBack(world: FaultlineWorld, words: string, step: string): Promise<ReadBack> {
  const operation = operationKind(words, Object.keys(world.system.operations));
  const records = requireRecords(world.system, operation, step);
  await finished(world);
  await world.faults.awaitTimedHeals(HEAL_GRACE_MS);
  const history = world.history.operations.filter((op) => op.kind === operation);
  const ids = [...new Set(history.map((op) => op.id))];
  const guarded =
    <T>(read: () => Promise<T>) =>
    () =>
      read().catch((error: unknown) => {
        throw new ReadBackError(operation, error);
      });
  return {
    operation,
    history,
    failed: records.failed ?? 'at-most-once',
    read: guarded(() => records.effects(world.env, world.startedAt, ids)),
    ...(records.remembered
      ? { remember: guarded(() => records.remembered?.(world.env, ids) ?? Promise.resolve([])) }
      : {}),
  };
}

/**
 * Reads back until the verdict passes or SETTLE_MS is over — only when something was acknowledged, so an
 * effect had to arrive: with nothing acknowledged the first reading (UNKNOWN) is the verdict.
 */
const settledOver = (history: readonly Operation[], read: () => Promise<Verdict>): Promise<Verdict> =>
  settle(read, {
    until: Date.now() + SETTLE_MS,
    everyMs: 200,
    waiting: history.some((op) => op.outcome === 'ok'),
  });

/** Judges, and attaches every id behind the verdict as JSON: what a reader checks a figure against. */
function judgeWithIds(world: FaultlineWorld, verdict: Verdict): void {
  world.attach(JSON.stringify({ check: verdict.check, ...verdict.figures }, null, 2), {
    mediaType: 'application/json',
    fileName: `${verdict.check.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80)}.json`,
  });
  judge(world, verdict);
}

Then(
  /^every acknowledged (.+?) is present after the heal$/,
  AFTER_LOAD,
  async function (this: FaultlineWorld, words: string) {
    const step = `"every acknowledged ${words} is present after the heal"`;
    const { operation, history, read, failed } = await readBack(this, words, step);
    const check = `every acknowledged ${operation} is present after the heal`;
    const judged = (e: readonly RecordedEffect[]) =>
      setVerdict(compareEffects(operation, history, e, failed));
    judgeWithIds(this, await settledOver(history, reading(check, read, judged)));
  },
);

Then(
  /^every acknowledged (.+?) is consumed exactly once$/,
  AFTER_LOAD,
  async function (this: FaultlineWorld, words: string) {
    const step = `"every acknowledged ${words} is consumed exactly once"`;
    const { operation, history, read, failed } = await readBack(this, words, step);
    const check = `every acknowledged ${operation} is consumed exactly once`;
    const judged = (e: readonly RecordedEffect[]) =>
      queueVerdict(compareEffects(operation, history, e, failed));
    judgeWithIds(this, await settledOver(history, reading(check, read, judged)));
  },
);

Then(
  /^the (.+?) of each key (?:is|are) applied in order$/,
  AFTER_LOAD,
  async function (this: FaultlineWorld, words: string) {
    const step = `"the ${words} of each key are applied in order"`;
    const { operation, history, read } = await readBack(this, words, step);
    const check = `the ${operation}s of each key are applied in order`;
    const judged = (e: readonly RecordedEffect[]) => orderVerdict(checkOrder(operation, history, e));
    judgeWithIds(this, await settledOver(history, reading(check, read, judged)));
  },
);

// Exactly-once in billing words: the queue checker plus what the system remembers of each outcome, for
// every operation of the scenario (each read back through its own records).
Then(
  /^every successful request is charged exactly once(, and no failed request is charged)?$/,
  AFTER_LOAD,
  async function (this: FaultlineWorld, strict: string | undefined) {
    await finished(this);
    const step = '"every successful request is charged exactly once"';
    // No operation at all still reads the records (a phantom charge is a violation) and ends UNKNOWN.
    const ran = [...new Set(this.history.operations.map((op) => op.kind))];
    const declared = Object.keys(this.system.records ?? this.system.operations);
    const kinds = ran.length > 0 ? ran : declared.slice(0, 1);
    for (const kind of kinds) {
      const { history, read, remember, failed } = await readBack(this, kind, step);
      let remembered: RememberedOutcome[] | undefined;
      const once = reading(
        'every successful request charged exactly once',
        async () => {
          const [effects, stored] = await Promise.all([read(), remember?.()]);
          remembered = stored;
          return effects;
        },
        (effects) =>
          exactlyOnceVerdict(
            checkExactlyOnce(
              history,
              { effects, ...(remembered ? { remembered } : {}) },
              { failed: strict ? 'never' : failed },
            ),
          ),
      );
      // Failures and unknowns are judged too (at most once): any operation is something to wait for.
      judgeWithIds(
        this,
        await settle(once, { until: Date.now() + SETTLE_MS, everyMs: 200, waiting: history.length > 0 }),
      );
    }
  },
);
