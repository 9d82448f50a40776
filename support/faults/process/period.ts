import { StepInputError } from '../../parse.ts';

// The chaos monkey's timing, read by its step and by `faultline plan` alike (this module imports nothing
// that starts or touches anything).

/** "every 2 seconds for 6 seconds": both durations above zero, the period no longer than the whole. */
export function monkeyPeriod(every: string, lasting: string, parse: (text: string) => number) {
  const everyMs = parse(every);
  const forMs = parse(lasting);
  if (everyMs <= 0 || forMs <= 0)
    throw new StepInputError(
      `a chaos monkey needs a period and a duration above zero, not every ${every} for ${lasting}`,
    );
  if (everyMs > forMs)
    throw new StepInputError(
      `a chaos monkey every ${every} for ${lasting} would strike once: the period must not exceed the duration`,
    );
  return { everyMs, forMs };
}
