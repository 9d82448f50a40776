import { unknownVerdict, type Verdict } from '../verdict.ts';
import { describeReport, type EffectsReport, effectFigures } from './effects.ts';
import { listed } from './tally.ts';

// Jepsen's queue checker, exactly-once flavour: every acknowledged enqueue is consumed, and consumed once.
// Lost (acknowledged, never consumed), duplicated (consumed more than once, whatever the client was told:
// a retried timeout consumed twice is double work all the same) and unexpected (consumed, never enqueued
// by this run) each break it. An unknown enqueue may be consumed or not, a failed one at most once — or
// never, under the contract that failures never take effect.

export function queueVerdict(report: EffectsReport): Verdict {
  const check = `every acknowledged ${report.operation} is consumed exactly once`;
  const figures = effectFigures(report);
  const summary = describeReport(report);
  const duplicated = Object.entries(report.duplicated);
  const problems = [
    ...(report.lost.length > 0
      ? [`${report.lost.length} acknowledged but never consumed (lost): ${listed(report.lost)}`]
      : []),
    ...(duplicated.length > 0
      ? [
          `${duplicated.length} consumed more than once (${duplicated.reduce((n, [, k]) => n + k - 1, 0)} extra consumption(s)): ${listed(duplicated.map(([id, n]) => `${id} × ${n}`))}`,
        ]
      : []),
    ...(report.unexpected.length > 0
      ? [`${report.unexpected.length} consumed but never enqueued by this run: ${listed(report.unexpected)}`]
      : []),
    ...(report.failedPolicy === 'never' && report.failedPresent.length > 0
      ? [
          `${report.failedPresent.length} consumed though the client was told they failed: ${listed(report.failedPresent)}`,
        ]
      : []),
  ];
  if (problems.length > 0)
    return { check, pass: false, message: `${summary}; ${problems.join('; ')}`, figures };
  if (report.outcomes.ok === 0)
    return unknownVerdict(
      check,
      `${summary}: no ${report.operation} was acknowledged, so nothing had to be consumed — nothing is proven`,
      figures,
    );
  return {
    check,
    pass: true,
    message: `${summary}: every acknowledged one consumed exactly once, none twice, none unexpected`,
    figures,
  };
}
