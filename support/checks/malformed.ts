import type { Flood } from '../data/flood.ts';
import { describeAnswer } from '../data/flood.ts';
import type { MemorySample } from '../data/memory.ts';
import type { EffectEvidence } from './exactly-once.ts';
import type { Verdict } from './verdict.ts';

// Verdicts over malformed requests: each rejected with a 4xx (no 5xx, no timeout, no acceptance), none of
// them charged or stored, the service alive and answering, its memory within a bound of its baseline. Each
// fails over an empty set: no malformed request sent proves nothing.

const answersOf = (floods: readonly Flood[]) => floods.flatMap((f) => f.answers.filter(Boolean));

export function everyMalformedRejected(kind: string, floods: readonly Flood[]): Verdict {
  const check = `every malformed ${kind} is rejected with a 4xx status`;
  const answers = answersOf(floods);
  const tally: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status !== undefined ? String(a.status) : a.outcome;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  const figures = {
    requests: answers.length,
    rejected: answers.filter((a) => a.outcome === 'rejected').length,
    answers: Object.entries(tally).map(([k, v]) => `${v} × ${k}`),
  };
  if (answers.length === 0)
    return {
      check,
      pass: false,
      message: `no malformed ${kind} was sent — nothing was judged, so nothing is proven`,
      figures,
    };
  const wrong = answers.filter((a) => a.outcome !== 'rejected');
  if (wrong.length === 0)
    return {
      check,
      pass: true,
      message: `all ${answers.length} malformed ${kind}s were rejected (${figures.answers.join(', ')})`,
      figures,
    };
  return {
    check,
    pass: false,
    message: `${wrong.length} of ${answers.length} malformed ${kind}s were not rejected with a 4xx (${figures.answers.join(', ')}): ${wrong
      .slice(0, 5)
      .map(describeAnswer)
      .join('; ')}${wrong.length > 5 ? `; … ${wrong.length - 5} more` : ''}`,
    figures,
  };
}

/**
 * None charged or stored: no charge and no stored outcome under a malformed request's id, and no charge since
 * the first flood began under an id no well-formed request of the scenario carried (a malformed request the
 * system took under a mangled id: a Latin-1 name read as UTF-8).
 */
export function noMalformedCharged(
  kind: string,
  floods: readonly Flood[],
  evidence: EffectEvidence,
  wellFormedIds: ReadonlySet<string>,
): Verdict {
  const check = `no malformed ${kind} is charged or stored`;
  const answers = answersOf(floods);
  const ids = new Set(answers.map((a) => a.id));
  const since = Math.min(...floods.map((f) => f.startedAt));
  const charged = evidence.effects.filter((c) => ids.has(c.id));
  const stored = (evidence.remembered ?? []).filter((r) => ids.has(r.id));
  const strangers = evidence.effects.filter(
    (c) => !ids.has(c.id) && !wellFormedIds.has(c.id) && (c.at ?? since) >= since,
  );
  const figures = {
    malformed: answers.length,
    charged: charged.length,
    stored: stored.length,
    'charged under an unknown id': strangers.length,
    'charges read': evidence.effects.length,
  };
  if (answers.length === 0)
    return {
      check,
      pass: false,
      message: `no malformed ${kind} was sent — nothing was judged, so nothing is proven`,
      figures,
    };
  const problems = [
    ...charged.map((c) => `${c.id} charged${c.by ? ` (by ${c.by})` : ''}`),
    ...stored.map((r) => `${r.id} stored as ${r.status}`),
    ...strangers.map((c) => `a charge under ${JSON.stringify(c.id)}, an id no well-formed request carried`),
  ];
  if (problems.length === 0)
    return {
      check,
      pass: true,
      message: `none of the ${answers.length} malformed ${kind}s was charged or stored, and no charge since the flood began carries an unknown id (${evidence.effects.length} charge(s) read)`,
      figures,
    };
  return {
    check,
    pass: false,
    message: `${problems.length} effect(s) of malformed ${kind}s: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
    figures,
  };
}

export interface HealthEvidence {
  service: string;
  alive: boolean;
  /** Exits of the service's process since the first flood began. */
  exits: number;
  probe: { replied: boolean; detail: string; ms: number };
}

export function staysHealthy(e: HealthEvidence): Verdict {
  const check = `the ${e.service} stays healthy`;
  const figures = { exits: e.exits, alive: String(e.alive), 'probe ms': e.probe.ms };
  const problems = [
    ...(e.exits > 0 ? [`its process exited ${e.exits} time(s) after the malformed requests began`] : []),
    ...(!e.alive ? ['its process is not running'] : []),
    ...(!e.probe.replied ? [`it does not answer its protocol (${e.probe.detail})`] : []),
  ];
  return problems.length === 0
    ? {
        check,
        pass: true,
        message: `${e.service} kept running (no exit) and answers (${e.probe.ms} ms)`,
        figures,
      }
    : { check, pass: false, message: `${e.service} is not healthy: ${problems.join('; ')}`, figures };
}

const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** Peak RSS during the floods minus the median RSS before each: the worst growth, against the bound. */
export function memoryWithin(service: string, floods: readonly Flood[], boundBytes: number): Verdict {
  const check = `the ${service}'s memory stays within ${mb(boundBytes)} of its baseline`;
  const watches = floods.flatMap((f) => (f.memory && f.service === service ? [f.memory] : []));
  const samples: MemorySample[] = watches.flatMap((w) => w.samples);
  const unavailable = watches.map((w) => w.unavailable).find(Boolean);
  if (watches.length === 0 || samples.length === 0 || watches.some((w) => w.baseline.length === 0))
    return {
      check,
      pass: false,
      message: `no memory of ${service} was measured during a flood (malformed requests, audited events)${unavailable ? ` (${unavailable})` : floods.length === 0 ? ' (none were sent)' : ` (the malformed requests went to ${[...new Set(floods.map((f) => f.service))].join(', ')})`} — nothing was measured, so nothing is proven`,
      figures: { samples: samples.length },
    };
  let worst = { growth: Number.NEGATIVE_INFINITY, baseline: 0, peak: 0 };
  for (const w of watches) {
    const baseline = median(w.baseline.map((s) => s.rssBytes));
    const peak = Math.max(...w.samples.map((s) => s.rssBytes));
    if (peak - baseline > worst.growth) worst = { growth: peak - baseline, baseline, peak };
  }
  const figures = {
    'baseline MB': Number((worst.baseline / 1e6).toFixed(1)),
    'peak MB': Number((worst.peak / 1e6).toFixed(1)),
    'growth MB': Number((worst.growth / 1e6).toFixed(1)),
    'bound MB': Number((boundBytes / 1e6).toFixed(1)),
    samples: samples.length,
  };
  const text = `${service}'s RSS peaked at ${mb(worst.peak)} from a baseline of ${mb(worst.baseline)} (${worst.growth >= 0 ? '+' : ''}${mb(worst.growth)}, ${samples.length} samples)`;
  return worst.growth <= boundBytes
    ? { check, pass: true, message: `${text}: within ${mb(boundBytes)}`, figures }
    : { check, pass: false, message: `${text}: more than the ${mb(boundBytes)} allowed`, figures };
}
