import { parseDuration } from '../../support/parse.ts';

// The waits a scenario's own words mandate — what no implementation, however fast, could shorten: a load
// that runs "for 8 seconds", "the load has run for 2 seconds", a certificate that "expires in 3 seconds", a
// worker "killed … 2 seconds in", and a fault's hold when a later verdict measures the recovery after it
// ("the service recovers within 5 seconds" starts when the fault heals). Read from the scenario's steps on
// a timeline: a background load or a held fault runs beside the steps, a blocking load or wait advances the
// clock. Verdicts' bounds ("within 5 seconds") are limits, not waits: a system that recovers at once meets
// them at once. This is the same reading of the vocabulary the plan makes (support/plan/), in milliseconds.

const LOAD =
  /^(?:\d+ concurrent )?clients? (submits?|start submitting) .*? for (\S+(?: \S+)?)(?: with an? .+ timeout)?$/;
const RAN_FOR = /^the load has run for (.+)$/;
const LOAD_FINISHED = /^the load has finished$/;
const EXPIRES = /expires in (.+)$/;
const KILLED_IN = /killed with SIG\w+ (.+) in$/;
const CLIENT_STARTS = /^a client starts submitting /;
const HELD_FOR = / for (\d+(?:\.\d+)? ?[a-z]+)$/i;
/** Verdicts that measure what happens after the faults heal. */
const AFTER_HEAL = /recovers within|back under .* within|restart within/;

export interface Waits {
  /** The mandated wall time of the scenario's steps, in ms. */
  ms: number;
  /** Which steps mandated it (for the benchmark's detail). */
  because: string[];
}

export function mandatedWaits(steps: readonly string[]): Waits {
  let now = 0;
  let firstLoadAt: number | undefined;
  let loadEnds = 0;
  let faultEnds = 0;
  let clientAt = 0;
  const because: string[] = [];
  for (const step of steps) {
    const load = step.match(LOAD);
    if (load) {
      const ms = parseDuration(load[2]!);
      firstLoadAt ??= now;
      if (load[1]!.startsWith('start')) loadEnds = Math.max(loadEnds, now + ms);
      else {
        now += ms;
        because.push(`load ${ms} ms`);
      }
      continue;
    }
    const ran = step.match(RAN_FOR);
    if (ran && firstLoadAt !== undefined) {
      const until = firstLoadAt + parseDuration(ran[1]!);
      if (until > now) because.push(`load has run for → ${until} ms`);
      now = Math.max(now, until);
      continue;
    }
    if (LOAD_FINISHED.test(step)) {
      if (loadEnds > now) because.push(`load finished → ${loadEnds} ms`);
      now = Math.max(now, loadEnds);
      continue;
    }
    if (CLIENT_STARTS.test(step)) {
      clientAt = now;
      continue;
    }
    const killed = step.match(KILLED_IN);
    if (killed) {
      now = Math.max(now, clientAt + parseDuration(killed[1]!));
      because.push(`crash delay → ${now} ms`);
      continue;
    }
    const expires = step.match(EXPIRES);
    if (expires) {
      now += parseDuration(expires[1]!);
      because.push(`expiry → ${now} ms`);
      continue;
    }
    if (AFTER_HEAL.test(step)) {
      if (faultEnds > now) because.push(`faults heal → ${faultEnds} ms`);
      now = Math.max(now, faultEnds);
      continue;
    }
    const held = step.match(HELD_FOR);
    if (held && !/^the load /.test(step)) faultEnds = Math.max(faultEnds, now + parseDuration(held[1]!));
  }
  return { ms: now, because };
}
