import type { LifecycleEvent } from '../env/environment.ts';
import { ms } from './figures.ts';
import type { Verdict } from './verdict.ts';

// Restart verdicts over the backends' record of every exit and start of a service (Environment.lifecycle):
// how long each exit took to be followed by the service being ready again, and how many restarts the
// busiest minute held. Only the system's own restarts count (its supervisor, under the restart policy it
// declared): a service that came back only because a fault's undo started it did not restart by itself.
// A verdict with no exit to judge fails saying so — "restarts within 5 s" is not shown by a run that never
// killed anything.

/** One service's record, from the start of the scenario. */
export interface ServiceRecord {
  service: string;
  events: readonly LifecycleEvent[];
}

/** An exit and what followed it. */
export interface Restart {
  service: string;
  exitedAt: number;
  exit?: LifecycleEvent['exit'];
  /** The next start after the exit (by anyone), if there was one. */
  next?: LifecycleEvent;
}

const describeExit = (exit: LifecycleEvent['exit']): string =>
  exit === undefined ? 'exit status unknown' : exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;

/** Every exit of the services since `since`, each with the start that followed it. */
export function restartsOf(records: readonly ServiceRecord[], since: number): Restart[] {
  return records.flatMap(({ service, events }) =>
    events.flatMap((e, i) =>
      e.event === 'exited' && e.at >= since
        ? [
            {
              service,
              exitedAt: e.at,
              exit: e.exit,
              next: events.slice(i + 1).find((n) => n.event === 'started'),
            },
          ]
        : [],
    ),
  );
}

const noExit = (phrase: string): string =>
  `no exit of ${phrase} was recorded in this scenario, so there is no restart to judge: kill or stop it first (e.g. "When 1 of the workers is killed with SIGKILL")`;

export function restartedWithin(
  phrase: string,
  records: readonly ServiceRecord[],
  since: number,
  boundMs: number,
): Verdict {
  const check = `${phrase} restart within ${ms(boundMs)}`;
  const restarts = restartsOf(records, since);
  if (restarts.length === 0) return { check, pass: false, message: noExit(phrase), figures: { exits: 0 } };
  const problems: string[] = [];
  const times: number[] = [];
  for (const r of restarts) {
    const when = `${r.service} exited (${describeExit(r.exit)})`;
    if (!r.next) problems.push(`${when} and was never started again`);
    else if (r.next.by !== 'supervisor')
      problems.push(
        `${when} and was started again only by the harness (a fault's undo) ${ms(r.next.at - r.exitedAt)} later: nothing restarted it by itself (does it declare a restart policy?)`,
      );
    else {
      times.push(r.next.at - r.exitedAt);
      if (r.next.at - r.exitedAt > boundMs)
        problems.push(
          `${when} and was ready again only ${ms(r.next.at - r.exitedAt)} later (backoff ${ms(r.next.backoffMs ?? 0)})`,
        );
    }
  }
  const slowest = times.length > 0 ? Math.max(...times) : undefined;
  const figures: Verdict['figures'] = {
    exits: restarts.length,
    restarted_by_itself: times.length,
    ...(slowest === undefined ? {} : { slowest_restart_ms: Math.round(slowest) }),
    bound_ms: boundMs,
    restarts: restarts.map(
      (r) =>
        `${r.service}: ${describeExit(r.exit)} → ${r.next ? `${r.next.by} start after ${ms(r.next.at - r.exitedAt)}` : 'never started'}`,
    ),
  };
  if (problems.length > 0)
    return {
      check,
      pass: false,
      message: `${problems.length} of ${restarts.length} exits: ${problems.join('; ')}`,
      figures,
    };
  return {
    check,
    pass: true,
    message: `all ${restarts.length} exits of ${phrase} were followed by the service ready again, the slowest after ${ms(slowest!)}`,
    figures,
  };
}

export function restartsPerMinuteAtMost(
  phrase: string,
  records: readonly ServiceRecord[],
  since: number,
  until: number,
  max: number,
): Verdict {
  const check = `${phrase} restart at most ${max} times per minute`;
  const restarts = restartsOf(records, since);
  if (restarts.length === 0) return { check, pass: false, message: noExit(phrase), figures: { exits: 0 } };
  const starts = records
    .flatMap(({ events }) =>
      events.filter((e) => e.event === 'started' && e.by === 'supervisor' && e.at >= since),
    )
    .map((e) => e.at)
    .sort((a, b) => a - b);
  // The busiest minute: every window of 60 s that begins at a restart.
  let busiest = 0;
  for (const [i, at] of starts.entries())
    busiest = Math.max(busiest, starts.slice(i).filter((t) => t < at + 60_000).length);
  const observedS = Math.round((until - since) / 100) / 10;
  const figures: Verdict['figures'] = {
    exits: restarts.length,
    restarts: starts.length,
    busiest_minute: busiest,
    observed_s: observedS,
    bound: max,
  };
  const over = `${starts.length} restart${starts.length === 1 ? '' : 's'} after ${restarts.length} exit${restarts.length === 1 ? '' : 's'} in ${observedS} s, ${busiest} in the busiest minute`;
  return busiest > max
    ? { check, pass: false, message: `${over}: more than ${max}`, figures }
    : { check, pass: true, message: `${over} (at most ${max})`, figures };
}
