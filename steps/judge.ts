import { tag } from 'allure-js-commons';
import { assertVerdict, statusOf, type Verdict } from '../support/checks/verdict.ts';
import type { FaultRecord, FaultSpec } from '../support/faults/ledger.ts';
import { recordVerdict } from '../support/observe/chaos-metrics.ts';
import { poll } from '../support/poll.ts';
import type { FaultlineWorld } from '../support/world.ts';

/**
 * Records a verdict in the scenario, attaches it to the report, and fails the step when it does not pass:
 * an assertion for a failed verdict, an UNKNOWN error (tagged, so the report can filter them) for one the
 * evidence could not decide.
 */
export function judge(world: FaultlineWorld, verdict: Verdict): void {
  world.verdicts.push(verdict);
  recordVerdict(verdict, world.faults.records);
  const status = statusOf(verdict);
  world.attach(`${status.toUpperCase()} ${verdict.check}: ${verdict.message}`, { mediaType: 'text/plain' });
  // The runtime message is attached synchronously; nothing to wait for.
  if (status === 'unknown') void Promise.resolve(tag('unknown-verdict')).catch(() => {});
  assertVerdict(verdict);
}

/** Attaches what a fault did and the evidence that it took effect, so the report shows both. */
export function attachFault(
  world: FaultlineWorld,
  fault: Pick<FaultRecord, 'description' | 'evidence'>,
): void {
  world.attach(`${fault.description}\n${fault.evidence.join('\n')}`, { mediaType: 'text/plain' });
}

/**
 * The memory samples of the scenario's latest flood (baseline, then under the flood) as CSV beside the report:
 * the figures "the <service>'s memory stays within … of its baseline" judges.
 */
export function attachFloodMemory(world: FaultlineWorld): void {
  const memory = world.floods.at(-1)?.memory;
  if (memory)
    world.attach(
      [
        'at,rss_bytes,phase',
        ...memory.baseline.map((s) => `${s.at},${s.rssBytes},baseline`),
        ...memory.samples.map((s) => `${s.at},${s.rssBytes},flood`),
      ].join('\n'),
      { mediaType: 'text/csv', fileName: `memory-${memory.service}.csv` },
    );
}

/** Hands a fault to the scenario's ledger (its undo written before it is applied) and attaches its evidence. */
export async function inject(world: FaultlineWorld, spec: FaultSpec): Promise<FaultRecord> {
  const fault = await world.faults.inject(spec);
  attachFault(world, fault);
  return fault;
}

/**
 * A fault step's optional "for {duration}", in ms. Absent, the fault holds until rollback (undefined);
 * present, it heals by itself after that long.
 */
export const holdingMs = (world: FaultlineWorld, text: string | undefined): number | undefined =>
  text == null ? undefined : world.duration(text);

/**
 * The verdict over evidence a system records asynchronously (audit rows, log lines): read again every
 * `everyMs` until it passes or the clock reaches `until` (ms epoch), and the last reading is the verdict.
 * Only when there is something to wait for (`waiting`, e.g. the scenario injected such a fault): otherwise
 * the first reading is the verdict. The figures come from the evidence's own timestamps, so the wait does
 * not change them.
 */
export async function settle(
  read: () => Verdict | Promise<Verdict>,
  options: { until: number; everyMs: number; waiting: boolean },
): Promise<Verdict> {
  const settled = (verdict: Verdict) => verdict.pass || !options.waiting;
  return (await poll(read, settled, { deadline: options.until, everyMs: options.everyMs })).value;
}
