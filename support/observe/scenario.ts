import type { FaultlineWorld } from '../world.ts';
import { chaosExposition, recordExperiment } from './chaos-metrics.ts';
import { checkInterval, Hypothesis } from './hypothesis.ts';
import { samplesCsv } from './hypothesis-verdicts.ts';
import { parseHypothesis } from './probe.ts';

// A scenario's hypothesis from its declaration to its last reading: checked before the method (the step
// fails, no experiment starts, when it does not hold), in the background until rollback, and once more
// after the rollback; its readings and the chaos_* metrics are attached to the report.

/** How long the pre-flight waits for the hypothesis to hold: services may still settle after readiness. */
const SETTLE_BEFORE_MS = 10_000;
/** How long after the rollback the hypothesis may take to hold again before it counts as broken. */
const SETTLE_AFTER_MS = 10_000;

export async function startHypothesis(
  world: FaultlineWorld,
  intervalMs: number,
  rows: string[][],
): Promise<void> {
  if (world.hypothesis)
    throw new Error('the scenario already declares a steady-state hypothesis: declare one table');
  checkInterval(intervalMs);
  const probes = parseHypothesis(
    rows.map((cells) => ({ cells })),
    world.env.topology,
  );
  const h = new Hypothesis(world.env, probes, intervalMs);
  const before = await h.settle('before', SETTLE_BEFORE_MS);
  const lines = before.last.map((s) => `${h.describe(s)} (${s.ms} ms)`);
  world.attach(lines.join('\n'), { mediaType: 'text/plain', fileName: 'steady-state-hypothesis-before.txt' });
  if (!before.held)
    throw new Error(
      `the steady-state hypothesis does not hold before the method (checked for ${before.tookMs} ms), so no experiment starts:\n- ${before.last
        .filter((s) => !s.holds)
        .map((s) => h.describe(s))
        .join('\n- ')}`,
    );
  world.hypothesis = h;
  h.start();
}

export function requireHypothesis(world: FaultlineWorld): Hypothesis {
  if (!world.hypothesis)
    throw new Error(
      'no steady-state hypothesis was declared: start the scenario with "Given the steady-state hypothesis, checked every <interval>:" and a table of probes',
    );
  return world.hypothesis;
}

/** At rollback: the background checking ends (on a failed or timed-out scenario too). */
export async function stopHypothesis(world: FaultlineWorld): Promise<void> {
  await world.hypothesis?.stop();
}

/**
 * After the rollback: the hypothesis must hold again (within a settle window). What still deviates is a
 * finding — the system did not return to its steady state. The readings go to the report as CSV.
 */
export async function checkAfterRollback(world: FaultlineWorld): Promise<string[]> {
  const h = world.hypothesis;
  if (!h) return [];
  const findings: string[] = [];
  if (world.hasEnv) {
    const after = await h.settle('after', SETTLE_AFTER_MS);
    if (!after.held)
      findings.push(
        `the steady-state hypothesis does not hold ${after.tookMs} ms after the rollback: ${after.last
          .filter((s) => !s.holds)
          .map((s) => h.describe(s))
          .join('; ')}`,
      );
  }
  world.attach(samplesCsv(h, world.faults.records), {
    mediaType: 'text/csv',
    fileName: 'steady-state-hypothesis.csv',
  });
  return findings;
}

/** The scenario's outcome counted, and the chaos_* series attached (as the run's Prometheus scrapes them). */
export async function attachChaosMetrics(world: FaultlineWorld, outcome: string): Promise<void> {
  recordExperiment(outcome);
  world.attach(await chaosExposition(), { mediaType: 'text/plain', fileName: 'chaos-metrics.prom' });
}
