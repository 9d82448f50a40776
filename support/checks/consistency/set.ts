import { unknownVerdict, type Verdict } from '../verdict.ts';
import { describeReport, type EffectsReport, effectFigures } from './effects.ts';
import { listed } from './tally.ts';

// Jepsen's set checker: after the heal, every acknowledged write is present in what the system reads back —
// none lost — and nothing is present that no client wrote — none extra. Presence is all a set promises: a
// write applied twice is still present once (duplicates are counted in the figures, and judged by the queue
// checker). An unknown write may be present or not; a failed one that is present is counted, and breaks
// the verdict only under the contract that failures never take effect.

export function setVerdict(report: EffectsReport): Verdict {
  const check = `every acknowledged ${report.operation} is present after the heal`;
  const figures = effectFigures(report);
  const summary = describeReport(report);
  const problems = [
    ...(report.lost.length > 0
      ? [`${report.lost.length} acknowledged but lost: ${listed(report.lost)}`]
      : []),
    ...(report.unexpected.length > 0
      ? [`${report.unexpected.length} present but never attempted by this run: ${listed(report.unexpected)}`]
      : []),
    ...(report.failedPolicy === 'never' && report.failedPresent.length > 0
      ? [
          `${report.failedPresent.length} present though the client was told they failed: ${listed(report.failedPresent)}`,
        ]
      : []),
  ];
  if (problems.length > 0)
    return { check, pass: false, message: `${summary}; ${problems.join('; ')}`, figures };
  if (report.outcomes.ok === 0)
    return unknownVerdict(
      check,
      `${summary}: no ${report.operation} was acknowledged, so nothing had to be present — nothing is proven`,
      figures,
    );
  const duplicates = Object.keys(report.duplicated).length;
  return {
    check,
    pass: true,
    message: `${summary}: every acknowledged one present, none extra${duplicates > 0 ? ` (${duplicates} recorded more than once, which a set does not judge)` : ''}`,
    figures,
  };
}
