import { operationKind } from '../../load/phrases.ts';
import type { Meaning, PlanNotes } from '../meaning.ts';
import { text } from '../meaning.ts';

// Consistency verdicts: they read back what an operation did through the system's `records`. The plan
// checks what the step itself would: the words name an operation of the system, and the system declares
// how to read that operation back. Whether the records carry key and seq (per-key order) is data, only
// known when they are read.

/** The operation the words name, with records declared for it, when the plan knows the system. */
function readBack(notes: PlanNotes, words: unknown, step: string): void {
  if (!notes.operations) return;
  const operation = operationKind(text(words), notes.operations);
  const declared = notes.records ?? [];
  if (!declared.includes(operation))
    throw new Error(
      `${step} needs the system to declare how to read back what a ${operation} did: records['${operation}']; it declares records for: ${declared.join(', ') || 'nothing'}. Add records: { '${operation}': { effects(env, since, ids) { … } } } to its defineSystem({ … })`,
    );
}

export const CONSISTENCY: Record<string, Meaning> = {
  '^every acknowledged (.+?) is present after the heal$': {
    kind: 'verdict',
    note: ([words], n) => readBack(n, words, `"every acknowledged ${text(words)} is present after the heal"`),
  },
  '^every acknowledged (.+?) is consumed exactly once$': {
    kind: 'verdict',
    note: ([words], n) => readBack(n, words, `"every acknowledged ${text(words)} is consumed exactly once"`),
  },
  '^the (.+?) of each key (?:is|are) applied in order$': {
    kind: 'verdict',
    note: ([words], n) => readBack(n, words, `"the ${text(words)} of each key are applied in order"`),
  },
  '^every successful request is charged exactly once(, and no failed request is charged)?$': {
    kind: 'verdict',
    // The step judges every operation the scenario ran: the system must declare records for some.
    note: (_, n) => {
      if (n.operations && (n.records ?? []).length === 0)
        throw new Error(
          `"every successful request is charged exactly once" needs the system to declare records (how to read back what each operation did, e.g. its ledger rows); it declares none. Add records: { '${n.operations[0] ?? '<operation>'}': { effects(env, since, ids) { … } } } to its defineSystem({ … })`,
        );
    },
  },
};
