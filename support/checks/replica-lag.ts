import type { Environment } from '../env/environment.ts';
import type { FaultRecord } from '../faults/ledger.ts';
import { type LagSample, measureLag } from '../faults/stores/replication.ts';
import { poll, until } from '../poll.ts';
import type { LagBound } from '../system/replica-words.ts';
import type { Verdict } from './verdict.ts';

// "The replica lag of the postgres replicas is back under 1 MB within 10 seconds": sampled from the end of
// the latest fault on the primary or its replicas (the replica rejoined, the failover was undone), every
// replica's lag read from the servers themselves, until all are under the bound at once or the time is up.
// Every sample is kept for the report. No fault to recover from, no replica, or no figure: a failure that
// says so — a lag verdict never passes over nothing.

const REPLICA_FAULTS = ['replica-failure', 'failover'];
const EVERY_MS = 200;

export interface LagJudgement {
  verdict: Verdict;
  samples: LagSample[];
}

const under = (s: LagSample, bound: LagBound): boolean =>
  bound.kind === 'bytes'
    ? s.bytes !== undefined && s.bytes <= bound.bytes
    : s.seconds !== undefined && s.seconds <= bound.seconds;

const figure = (s: LagSample): string =>
  s.error !== undefined
    ? `${s.replica}: no figure (${s.error})`
    : `${s.replica}: ${s.bytes} B, ${s.seconds?.toFixed(2)} s`;

/** The latest replica fault on `primary` or its replicas, waited for until it has healed (bounded). */
async function latestFault(
  faults: readonly FaultRecord[],
  touched: string[],
  waitMs: number,
): Promise<FaultRecord | undefined> {
  const ours = faults.filter(
    (f) => REPLICA_FAULTS.includes(f.kind) && f.targets.some((t) => touched.includes(t)),
  );
  const last = ours[ours.length - 1];
  if (last) await until(() => last.stoppedAt !== undefined, { everyMs: 100, timeoutMs: waitMs });
  return last;
}

export async function judgeReplicaLag(
  env: Environment,
  faults: readonly FaultRecord[],
  primary: string,
  replicas: string[],
  bound: LagBound,
  withinMs: number,
): Promise<LagJudgement> {
  const check = `replica lag of ${primary}'s replicas back under ${bound.text} within ${withinMs / 1000} s`;
  const fail = (
    message: string,
    samples: LagSample[] = [],
    figures: Verdict['figures'] = {},
  ): LagJudgement => ({
    verdict: { check, pass: false, message, figures: { samples: samples.length, ...figures } },
    samples,
  });
  if (replicas.length === 0) return fail(`${primary} has no replicas: there is no lag to judge`);
  const active = faults.filter((f) => REPLICA_FAULTS.includes(f.kind));
  const planned = Math.max(0, ...active.map((f) => (f.startedAt ?? 0) + (f.plannedMs ?? 0) - Date.now()));
  const fault = await latestFault(faults, [primary, ...replicas], planned + 60_000);
  if (!fault)
    return fail(
      `no fault struck ${primary} or its replicas in this scenario: there is nothing to recover from`,
    );
  if (fault.stoppedAt === undefined)
    return fail(
      `fault #${fault.id} (${fault.description}) still holds: the lag can only recover once it has ended`,
    );
  const from = fault.stoppedAt;
  const deadline = from + withinMs;
  const samples: LagSample[] = [];
  let recoveredAt: number | undefined;
  let maxBytes = 0;
  const recovery = await poll(
    async () => {
      const round = await measureLag(env, primary, replicas);
      samples.push(...round);
      for (const s of round) maxBytes = Math.max(maxBytes, s.bytes ?? 0);
      return round;
    },
    (round) => round.every((s) => under(s, bound)),
    { everyMs: EVERY_MS, deadline },
  );
  if (recovery.held) recoveredAt = recovery.value[0]!.at;
  const last = samples.slice(-replicas.length);
  const figures = {
    'fault ended': new Date(from).toISOString(),
    'max lag bytes': maxBytes,
    'last lag': last.map(figure),
  };
  const firstAt = samples[0]!.at;
  if (recoveredAt === undefined)
    return fail(
      `the lag was still over ${bound.text} ${((Date.now() - from) / 1000).toFixed(1)} s after fault #${fault.id} ended: ${last.map(figure).join('; ')}`,
      samples,
      figures,
    );
  if (recoveredAt > deadline)
    return fail(
      `the lag was first seen under ${bound.text} ${((recoveredAt - from) / 1000).toFixed(1)} s after fault #${fault.id} ended${
        firstAt > deadline ? ' (sampling began after the bound: judge right after the fault)' : ''
      }`,
      samples,
      figures,
    );
  const seconds = ((recoveredAt - from) / 1000).toFixed(2);
  // Under at the very first sample: it recovered at the latest then (the step came that long after the fault).
  const when =
    recoveredAt === firstAt
      ? `already at the first sample, ${seconds} s after fault #${fault.id} (${fault.description}) ended`
      : `${seconds} s after fault #${fault.id} (${fault.description}) ended`;
  return {
    verdict: {
      check,
      pass: true,
      message: `every replica was under ${bound.text} ${when}, ${samples.length} sample${samples.length === 1 ? '' : 's'}: ${last.map(figure).join('; ')}`,
      figures: { samples: samples.length, 'recovered after s': Number(seconds), ...figures },
    },
    samples,
  };
}

/** The samples as CSV, for the report. */
export const lagCsv = (samples: readonly LagSample[]): string =>
  [
    'at,replica,bytes,seconds,error',
    ...samples.map(
      (s) =>
        `${new Date(s.at).toISOString()},${s.replica},${s.bytes ?? ''},${s.seconds ?? ''},${JSON.stringify(s.error ?? '')}`,
    ),
  ].join('\n');
