import { unknownVerdict, type Verdict } from '../verdict.ts';
import type { RecordedEffect } from './tally.ts';

// A system may apply an operation after it acknowledged it (a write-behind, a consumer that has not caught
// up): a read-back taken at once would call it lost. So the consistency steps read back until the verdict
// passes or SETTLE_MS runs out (steps/judge.ts settle()), and judge the last read — a lost operation stays
// lost once the bound is over, and a duplicate or an unexpected effect never goes away by waiting. A read
// that fails (the store still unreachable) decides nothing: UNKNOWN, with the error, never a pass.

/** How long effects may lag behind their acknowledgement. */
export const SETTLE_MS = 3_000;

/**
 * One reading: the effects read back and judged, or UNKNOWN when the read failed. A verdict function's own
 * refusal (records without the fields it needs) is the user's to fix, not a lagging store: it is thrown.
 */
export function reading(
  check: string,
  read: () => Promise<readonly RecordedEffect[]>,
  judge: (effects: readonly RecordedEffect[]) => Verdict,
): () => Promise<Verdict> {
  return async () => {
    let effects: readonly RecordedEffect[];
    try {
      effects = await read();
    } catch (error) {
      if (!(error instanceof ReadBackError)) throw error;
      return unknownVerdict(check, `could not read back what the system recorded: ${error.message}`);
    }
    return judge(effects);
  };
}

/** The system's read-back failed (a store not answering): retried until the bound, then UNKNOWN. */
export class ReadBackError extends Error {
  constructor(operation: string, cause: unknown) {
    super(`reading back the records of ${operation} failed: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'ReadBackError';
  }
}

/**
 * How long past its planned end a fault that heals by itself ("… for 3 seconds") is waited for before the
 * read-back (FaultLedger.awaitTimedHeals): Jepsen's final read comes after the nemesis healed, or a store
 * still cut off would be read as data lost. A fault held until rollback is not waited for (it heals after
 * the verdicts).
 */
export const HEAL_GRACE_MS = 10_000;
