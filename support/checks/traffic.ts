import type { Operation } from '../load/history.ts';
import type { Verdict } from './verdict.ts';

/** Attempts per member among the given operations, as the system reported them. */
export function attemptsPerMember(
  operations: readonly Operation[],
  since = 0,
  until = Number.POSITIVE_INFINITY,
) {
  const counts: Record<string, number> = {};
  for (const op of operations)
    for (const a of op.attempts)
      if (a.startedAt >= since && a.startedAt < until) counts[a.target] = (counts[a.target] ?? 0) + 1;
  return counts;
}

const share = (counts: Record<string, number>, member: string): number => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return total === 0 ? Number.NaN : (counts[member] ?? 0) / total;
};

const describe = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([m, n]) => `${m} ${n}`)
    .join(', ') || 'none';

/**
 * Traffic shifted away from `member` once the system reacted (at `shiftedAt`): before the fault it carried
 * at least half its fair share of attempts (so it really was in rotation), afterwards less than half of it.
 * Both windows' per-member counts are stated, measured from the attempts the system reported.
 */
export function trafficShifted(
  operations: readonly Operation[],
  member: string,
  members: readonly string[],
  faultAt: number,
  shiftedAt: number | undefined,
): Verdict {
  const check = `traffic shifts away from ${member}`;
  const before = attemptsPerMember(operations, 0, faultAt);
  const fair = 1 / members.length;
  const figures: Verdict['figures'] = { before: describe(before) };
  if (shiftedAt === undefined)
    return {
      check,
      pass: false,
      message: `the system never reacted to the fault on ${member}, so nothing shifted`,
      figures,
    };
  const after = attemptsPerMember(operations, shiftedAt);
  figures.after = describe(after);
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const attempts = operations.reduce((n, op) => n + op.attempts.length, 0);
  if (attempts === 0)
    return {
      check,
      pass: false,
      message: `${operations.length === 0 ? 'no operations were recorded' : `none of the ${operations.length} operations reports its attempts (the operation's \`attempts\`)`}, so where traffic went cannot be told`,
      figures,
    };
  if (total(before) === 0)
    return {
      check,
      pass: false,
      message: `no attempts were made before the fault began, so whether ${member} was in rotation — and whether anything shifted — cannot be told; run load before the fault`,
      figures,
    };
  if (total(after) === 0)
    return {
      check,
      pass: false,
      message: `no attempts were made after the system reacted to the fault on ${member}, so nothing shows where traffic went; keep the load running while the fault holds`,
      figures,
    };
  const shareBefore = share(before, member);
  const shareAfter = share(after, member);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const message = `${member} had ${pct(shareBefore)} of attempts before the fault (${figures.before}) and ${pct(shareAfter)} after the system reacted (${figures.after}); fair share ${pct(fair)}`;
  if (!(shareBefore >= fair / 2))
    return {
      check,
      pass: false,
      message: `${message} — it was not in rotation before the fault, so a shift proves nothing`,
      figures,
    };
  return { check, pass: shareAfter < fair / 2, message, figures };
}
