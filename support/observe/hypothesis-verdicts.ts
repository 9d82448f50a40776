import { ms, round3 } from '../checks/figures.ts';
import { unknownVerdict, type Verdict } from '../checks/verdict.ts';
import type { FaultRecord } from '../faults/ledger.ts';
import type { Hypothesis, Sample } from './hypothesis.ts';
import { during, relative, windowsOf } from './windows.ts';

// The verdicts over a hypothesis's readings. A deviation is a value outside its tolerance; a probe that
// gave no answer is not a value: it can never make a verdict pass, and when nothing else decides, the
// verdict is UNKNOWN. Every message names the probe, when (from the fault's start) and by how much.

/** Per probe: how many readings deviated, the first and the last, in words. */
function deviationLines(h: Hypothesis, samples: readonly Sample[], faults: readonly FaultRecord[]): string[] {
  const windows = windowsOf(faults);
  const byProbe = new Map<number, Sample[]>();
  for (const s of samples) byProbe.set(s.probe, [...(byProbe.get(s.probe) ?? []), s]);
  return [...byProbe.values()].map((list) => {
    const first = list[0] as Sample;
    const last = list.at(-1) as Sample;
    const span =
      list.length === 1
        ? `at ${relative(first.at, windows)}`
        : `${list.length} times, from ${relative(first.at, windows)} to ${relative(last.at, windows)}`;
    const lastText = h.describe(last);
    return `${h.describe(first)} (${span}${lastText !== h.describe(first) ? `; last: ${lastText.slice(lastText.indexOf(': ') + 2)}` : ''})`;
  });
}

const readingsFigures = (h: Hypothesis, samples: readonly Sample[]) => {
  const latencies = samples.map((s) => s.ms).sort((a, b) => a - b);
  return {
    readings: samples.length,
    probes: h.probes.length,
    interval_ms: h.intervalMs,
    probe_ms_median: latencies.length ? round3(latencies[Math.floor(latencies.length / 2)] as number) : 0,
    probe_ms_max: latencies.length ? round3(latencies.at(-1) as number) : 0,
  };
};

/** The hypothesis held at every reading while the method ran. */
export function heldThroughout(h: Hypothesis, faults: readonly FaultRecord[]): Verdict {
  const check = `steady-state hypothesis held throughout (${h.probes.length} probe(s) every ${ms(h.intervalMs)})`;
  const method = h.samples.filter((s) => s.phase === 'method');
  const figures = readingsFigures(h, method);
  if (method.length === 0)
    return unknownVerdict(
      check,
      'no reading was taken while the method ran: the experiment was shorter than the interval, or the hypothesis was not checked continuously',
      figures,
    );
  const deviated = method.filter((s) => !s.holds && s.error === undefined);
  const unanswered = method.filter((s) => s.error !== undefined);
  const withDeviations = { ...figures, deviations: deviated.length, unanswered: unanswered.length };
  if (deviated.length > 0) {
    const lines = deviationLines(h, deviated, faults);
    return {
      check,
      pass: false,
      message: `${deviated.length} of ${method.length} readings deviated: ${lines.join('; ')}`,
      figures: { ...withDeviations, deviated: lines },
    };
  }
  if (unanswered.length > 0)
    return unknownVerdict(
      check,
      `${unanswered.length} of ${method.length} readings got no answer, so whether the hypothesis held then cannot be told: ${deviationLines(h, unanswered, faults).join('; ')}`,
      withDeviations,
    );
  const windows = windowsOf(faults);
  return {
    check,
    pass: true,
    message: `all ${method.length} readings of ${h.probes.length} probe(s) within tolerance, from ${relative(method[0]?.at ?? 0, windows)} to ${relative(method.at(-1)?.at ?? 0, windows)}`,
    figures: withDeviations,
  };
}

/**
 * Every fault made the hypothesis deviate (a value out of tolerance, or a probe the fault left without an
 * answer) within the bound of its start: the continuous check noticed it. Detection is when the deviating
 * reading came back, not when it was asked.
 */
export function caughtWithin(h: Hypothesis, faults: readonly FaultRecord[], boundMs: number): Verdict {
  const check = `steady-state hypothesis catches each fault within ${ms(boundMs)}`;
  const windows = windowsOf(faults);
  if (windows.length === 0)
    return unknownVerdict(check, 'no fault was injected, so there was nothing to catch');
  const lines: string[] = [];
  const missed: string[] = [];
  const late: string[] = [];
  const unread: string[] = [];
  let worst = 0;
  for (const w of windows) {
    const inside = during(h.samples, [w]);
    if (inside.length === 0) {
      unread.push(w.fault.description);
      lines.push(`${w.fault.description}: no reading while it held`);
      continue;
    }
    const hit = inside.find((s) => !s.holds);
    if (!hit) {
      missed.push(w.fault.description);
      lines.push(`${w.fault.description}: all ${inside.length} readings while it held were within tolerance`);
      continue;
    }
    const caught = hit.at + hit.ms - w.from;
    worst = Math.max(worst, caught);
    if (caught > boundMs) late.push(w.fault.description);
    lines.push(`${w.fault.description}: caught after ${ms(round3(caught))} — ${h.describe(hit)}`);
  }
  const figures = {
    faults: windows.length,
    worst_detection_ms: round3(worst),
    bound_ms: boundMs,
    per_fault: lines,
  };
  if (missed.length > 0)
    return {
      check,
      pass: false,
      message: `${missed.length} fault(s) never made the hypothesis deviate — ${lines.join('; ')}`,
      figures,
    };
  if (late.length > 0)
    return {
      check,
      pass: false,
      message: `${late.length} fault(s) caught later than ${ms(boundMs)} — ${lines.join('; ')}`,
      figures,
    };
  if (unread.length > 0)
    return unknownVerdict(
      check,
      `${unread.length} fault(s) held while no reading was taken — ${lines.join('; ')}`,
      figures,
    );
  return {
    check,
    pass: true,
    message: `every fault caught within ${ms(boundMs)} (worst ${ms(round3(worst))}) — ${lines.join('; ')}`,
    figures,
  };
}

/** Readings grouped by round (one `at`), in time order. */
function rounds(samples: readonly Sample[]): Sample[][] {
  const byAt = new Map<number, Sample[]>();
  for (const s of samples) byAt.set(s.at, [...(byAt.get(s.at) ?? []), s]);
  return [...byAt.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
}

/**
 * The time from the removal of the last fault to the first complete round of probes that held entirely
 * (when its slowest answer came back); undefined when none has yet.
 */
export function restoredAfter(h: Hypothesis, removedAt: number): number | undefined {
  const full = rounds(h.samples.filter((s) => s.at >= removedAt)).find(
    (r) => r.length === h.probes.length && r.every((s) => s.holds),
  );
  return full ? Math.max(...full.map((s) => s.at + s.ms)) - removedAt : undefined;
}

/** The hypothesis held again within the bound of the last fault's removal. */
export function heldAgainWithin(h: Hypothesis, removedAt: number | undefined, boundMs: number): Verdict {
  const check = `steady-state hypothesis holds again within ${ms(boundMs)} after the faults are rolled back`;
  if (removedAt === undefined)
    return unknownVerdict(
      check,
      'no fault was injected and removed, so there is no rollback to recover from',
    );
  const after = h.samples.filter((s) => s.at >= removedAt);
  const figures = { ...readingsFigures(h, after), bound_ms: boundMs };
  const restored = restoredAfter(h, removedAt);
  if (restored === undefined) {
    const last = rounds(after).at(-1) ?? [];
    const failing = last.filter((s) => !s.holds);
    const lines = failing.map((s) => h.describe(s));
    if (failing.length > 0 && failing.every((s) => s.error !== undefined))
      return unknownVerdict(
        check,
        `after ${after.length} readings since the rollback, some probes still give no answer: ${lines.join('; ')}`,
        figures,
      );
    return {
      check,
      pass: false,
      message: `the hypothesis did not hold again in the ${after.length} readings since the rollback; the last round: ${lines.join('; ') || 'incomplete'}`,
      figures,
    };
  }
  const withTime = { ...figures, restored_ms: round3(restored) };
  return restored <= boundMs
    ? {
        check,
        pass: true,
        message: `every probe within tolerance again ${ms(round3(restored))} after the last fault was removed`,
        figures: withTime,
      }
    : {
        check,
        pass: false,
        message: `the hypothesis held again only ${ms(round3(restored))} after the last fault was removed; longer than ${ms(boundMs)}`,
        figures: withTime,
      };
}

/** The readings as CSV: what every hypothesis verdict was judged from. */
export function samplesCsv(h: Hypothesis, faults: readonly FaultRecord[]): string {
  const windows = windowsOf(faults);
  const start = Math.min(...windows.map((w) => w.from));
  const quote = (t: string) => `"${t.replaceAll('"', '""')}"`;
  return [
    'at,since_fault_ms,phase,probe,service,tolerance,value,error,probe_ms,holds,during_fault',
    ...h.samples.map((s) => {
      const p = h.probes[s.probe];
      return [
        new Date(s.at).toISOString(),
        Number.isFinite(start) ? s.at - start : '',
        s.phase,
        quote(p?.text ?? ''),
        s.service,
        quote(p?.tolerance.text ?? ''),
        s.value === undefined ? '' : quote(String(s.value)),
        s.error === undefined ? '' : quote(s.error),
        s.ms,
        s.holds,
        during([s], windows).length > 0,
      ].join(',');
    }),
  ].join('\n');
}
