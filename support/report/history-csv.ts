import type { Operation } from '../load/history.ts';

// The recorded history as CSV: one row per operation, opened by a spreadsheet or pandas without a parser for
// our JSON. Attempts are folded into one cell (target:outcome:ms;…); history.json keeps them whole.

const COLUMNS = [
  'id',
  'kind',
  'intendedAt',
  'invokedAt',
  'completedAt',
  'latencyMs',
  'outcome',
  'status',
  'servedBy',
  'attempts',
  'error',
];

const quote = (v: unknown): string => {
  const text = v === undefined || v === null ? '' : String(v);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function historyCsv(operations: readonly Operation[]): string {
  const iso = (at: number | undefined) => (at === undefined ? undefined : new Date(at).toISOString());
  const rows = operations.map((op) =>
    [
      op.id,
      op.kind,
      iso(op.intendedAt),
      iso(op.invokedAt),
      iso(op.completedAt),
      op.completedAt - (op.intendedAt ?? op.invokedAt),
      op.outcome,
      op.status,
      op.servedBy,
      op.attempts.map((a) => `${a.target}:${a.outcome}:${a.endedAt - a.startedAt}`).join(';'),
      op.error,
    ]
      .map(quote)
      .join(','),
  );
  return [COLUMNS.join(','), ...rows].join('\n') + '\n';
}
