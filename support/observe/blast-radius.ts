import { unknownVerdict, type Verdict } from '../checks/verdict.ts';
import type { FaultRecord } from '../faults/ledger.ts';
import type { Hypothesis } from './hypothesis.ts';
import { during, relative, windowsOf } from './windows.ts';

// Blast radius, measured: the services whose steady-state probes deviated while a fault held, against
// the services the faults targeted and the ones the step allows. Isolation is only claimed when it could
// have been refuted: some probe must watch a service outside the allowed set, and be read while a fault
// held — a hypothesis that watches only the target shows nothing about the rest.

export function isolatedTo(
  h: Hypothesis,
  faults: readonly FaultRecord[],
  allowed: readonly string[],
  named: string,
): Verdict {
  const check = `the failure stays isolated to ${named}`;
  const windows = windowsOf(faults);
  const targeted = [...new Set(faults.flatMap((f) => f.targets))];
  const inside = [...new Set([...allowed, ...targeted])];
  if (windows.length === 0) return unknownVerdict(check, 'no fault was injected, so no failure could spread');
  const samples = during(h.samples, windows);
  const watched = [...new Set(h.probes.map((p) => p.service))];
  const outside = watched.filter((s) => !inside.includes(s));
  const deviating = [
    ...new Set(samples.filter((s) => !s.holds && s.error === undefined).map((s) => s.service)),
  ];
  const unanswered = [...new Set(samples.filter((s) => s.error !== undefined).map((s) => s.service))];
  const figures: Verdict['figures'] = {
    targeted,
    allowed: inside,
    watched,
    deviating,
    unanswered,
    readings_during_faults: samples.length,
  };
  if (samples.length === 0)
    return unknownVerdict(
      check,
      'no probe was read while a fault held: nothing measured the blast radius',
      figures,
    );
  if (outside.length === 0)
    return unknownVerdict(
      check,
      `every probe watches a service inside ${inside.join(', ')}: add a probe of another service, or nothing could show the failure spreading`,
      figures,
    );
  const spread = deviating.filter((s) => !inside.includes(s));
  if (spread.length > 0) {
    const lines = spread.map((service) => {
      const first = samples.find((s) => s.service === service && !s.holds && s.error === undefined);
      return first ? `${h.describe(first)} at ${relative(first.at, windows)}` : service;
    });
    return {
      check,
      pass: false,
      message: `the failure spread beyond ${inside.join(', ')} (targeted: ${targeted.join(', ') || 'none'}) to ${spread.join(', ')}: ${lines.join('; ')}`,
      figures: { ...figures, spread },
    };
  }
  const blind = unanswered.filter((s) => !inside.includes(s));
  if (blind.length > 0)
    return unknownVerdict(
      check,
      `${blind.join(', ')} gave no answer while a fault held, so whether the failure reached it cannot be told`,
      figures,
    );
  const readOutside = samples.filter((s) => outside.includes(s.service)).length;
  return {
    check,
    pass: true,
    message: `deviated while a fault held: ${deviating.join(', ') || 'nothing'} (targeted: ${targeted.join(', ')}); ${outside.join(', ')} held in all ${readOutside} readings taken while a fault held`,
    figures,
  };
}
