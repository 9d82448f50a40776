import type { Window } from '../load/phases.ts';
import { countOutcomes, describeErrors, emptyWindow, pct, round3 } from './figures.ts';
import type { Verdict } from './verdict.ts';

/**
 * How unknown outcomes count. By default they are errors: the client got no answer in time, so from its
 * side the request was not served, whatever the system may have done with it. A scenario that means only
 * the system's explicit refusals says so ("not counting unknown outcomes"), and then unknowns leave both
 * the numerator and the denominator — they are neither served nor refused as far as anyone can tell.
 */
export type UnknownPolicy = 'error' | 'excluded';

/** The window's error rate (failed, plus unknown unless excluded, over all counted) is strictly below `bound`. */
export function errorRateBelow(window: Window, bound: number, unknown: UnknownPolicy = 'error'): Verdict {
  const check = `error rate ${window.label} below ${pct(bound)}${unknown === 'excluded' ? ' (unknown outcomes not counted)' : ''}`;
  const counts = countOutcomes(window.operations);
  const counted = unknown === 'error' ? window.operations.length : window.operations.length - counts.unknown;
  if (counted === 0)
    return {
      check,
      pass: false,
      message:
        window.operations.length === 0
          ? emptyWindow(window)
          : `all ${counts.unknown} operations ${window.label} had unknown outcomes, which this check was told not to count — nothing was measured`,
      figures: { phase: window.phase, operations: window.operations.length, ...counts },
    };
  const errors = window.operations.filter(
    (op) => op.outcome === 'fail' || (op.outcome === 'unknown' && unknown === 'error'),
  );
  const rate = errors.length / counted;
  const figures = {
    phase: window.phase,
    operations: window.operations.length,
    counted,
    errors: errors.length,
    rate: round3(rate),
    bound,
    unknown_counted_as: unknown,
    ...counts,
  };
  const measured = `${errors.length} of ${counted} operations ${window.label} were errors (${pct(rate)})`;
  const what = errors.length > 0 ? `: ${describeErrors(errors)}` : '';
  return rate < bound
    ? { check, pass: true, message: `${measured}, below ${pct(bound)}${what}`, figures }
    : { check, pass: false, message: `${measured}, not below ${pct(bound)}${what}`, figures };
}
