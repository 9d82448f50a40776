import type { FaultlineWorld } from '../world.ts';
import { renderChart } from './chart.ts';
import { historyCsv } from './history-csv.ts';
import { JOURNAL_ENTRY, journalEntry } from './journal-entry.ts';
import { phaseFigures, sloTableHtml } from './slo-table.ts';
import { type LifecycleRow, timelineHtml } from './timeline.ts';

// Everything a reader needs to judge the scenario without re-running it, attached from the After hook once
// the rollback has run (so every fault's undo time is known) and before the topology goes down (so its logs
// can still be read). `problems` is what the rollback and the clean-environment check found.

export async function attachEvidence(world: FaultlineWorld, problems: readonly string[] = []): Promise<void> {
  const attach = (data: string, mediaType: string, fileName: string) =>
    world.attach(data, { mediaType, fileName });
  const json = (data: unknown, fileName: string) =>
    attach(JSON.stringify(data, null, 2), 'application/json', fileName);
  const { operations } = world.history;
  const faults = world.faults.records;
  const origin = world.startedAt;
  const phases = phaseFigures(operations, faults);

  try {
    const svg = await renderChart({ operations, faults, origin, end: Date.now(), title: world.scenario });
    attach(svg, 'image/svg+xml', 'latency-throughput.svg');
  } catch (error) {
    // A chart that cannot be drawn must not hide the rest of the evidence, nor fail a scenario that passed.
    attach(`the chart could not be drawn: ${(error as Error).stack}`, 'text/plain', 'chart-error.txt');
  }
  // The processes' exits and starts since the scenario began (the environment itself may be older).
  const lifecycle: LifecycleRow[] = world.hasEnv
    ? world.env.topology.services
        .flatMap((s) => world.env.lifecycle(s.name).map((event) => ({ service: s.name, event })))
        .filter((r) => r.event.at >= origin)
        .sort((a, b) => a.event.at - b.event.at)
    : [];
  attach(timelineHtml(faults, origin, world.seed, lifecycle), 'text/html', 'fault-timeline.html');
  json({ seed: world.seed, faults, lifecycle }, 'fault-timeline.json');
  attach(sloTableHtml(phases, world.verdicts, origin), 'text/html', 'slo.html');
  attach(historyCsv(operations), 'text/csv', 'history.csv');
  json(operations, 'history.json');
  json(
    journalEntry({
      scenario: world.scenario,
      seed: world.seed,
      backend: world.hasEnv ? world.env.backend : undefined,
      topology: world.hasEnv ? world.env.topology : undefined,
      startedAt: origin,
      faults,
      phases,
      verdicts: world.verdicts,
      operations,
      problems,
    }),
    JOURNAL_ENTRY,
  );
  if (!world.hasEnv) return;
  for (const service of world.env.topology.services) {
    const lines = world.env.logs(service.name);
    if (lines.length > 0)
      attach(
        lines.map((l) => `${new Date(l.at).toISOString()} ${l.line}`).join('\n'),
        'text/plain',
        `${service.name}.log`,
      );
  }
}
