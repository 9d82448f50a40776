import type { LifecycleEvent } from '../env/environment.ts';
import type { FaultRecord, TrafficProof } from '../faults/ledger.ts';
import { escapeHtml, page, since, table } from './html.ts';

// The fault timeline: what was injected, into what, when it began and when its undo ran — the ledger's own
// timestamps, so the picture and the phases of every verdict agree. The proof column carries the probes'
// results and, for network faults, what of the system's own traffic crossed the faulted link while it held.

export interface TimelineEntry {
  id: number;
  kind: string;
  description: string;
  targets: string[];
  /** Every service the fault touches (both ends of a link): what the coverage matrix counts it against. */
  touches?: string[];
  state: FaultRecord['state'];
  startedAt?: string;
  stoppedAt?: string;
  /** Seconds after the scenario started. */
  startedAfterS?: number;
  stoppedAfterS?: number;
  plannedMs?: number;
  heldMs?: number;
  undo: string;
  evidence: string[];
  /** Whether the system's traffic met the fault (network faults): its figures per link, or why unknown. */
  traffic?: TrafficProof;
}

const iso = (at: number | undefined) => (at === undefined ? undefined : new Date(at).toISOString());
const seconds = (origin: number, at: number | undefined) =>
  at === undefined ? undefined : Math.round(at - origin) / 1000;

export function timelineOf(faults: readonly FaultRecord[], origin: number): TimelineEntry[] {
  return faults.map((f) => ({
    id: f.id,
    kind: f.kind,
    description: f.description,
    targets: f.targets,
    ...(f.touches ? { touches: f.touches } : {}),
    state: f.state,
    startedAt: iso(f.startedAt),
    stoppedAt: iso(f.stoppedAt),
    startedAfterS: seconds(origin, f.startedAt),
    stoppedAfterS: seconds(origin, f.stoppedAt),
    plannedMs: f.plannedMs,
    heldMs: f.startedAt !== undefined && f.stoppedAt !== undefined ? f.stoppedAt - f.startedAt : undefined,
    undo:
      f.state === 'undone'
        ? 'undone'
        : f.state === 'undo-failed'
          ? `undo failed: ${f.undoError ?? 'unknown error'}`
          : 'never undone',
    evidence: f.evidence,
    ...(f.felt ? { traffic: f.felt } : {}),
  }));
}

/** One exit or start of a service's process during the scenario (Environment.lifecycle). */
export interface LifecycleRow {
  service: string;
  event: LifecycleEvent;
}

/** "exited (signal SIGKILL)", "started by its supervisor after a 400 ms backoff". */
export function describeLifecycle(e: LifecycleEvent): string {
  if (e.event === 'exited')
    return `exited (${e.exit?.signal ? `signal ${e.exit.signal}` : `code ${e.exit?.code ?? 'unknown'}`})`;
  return e.by === 'supervisor'
    ? `started by its supervisor after a ${e.backoffMs ?? 0} ms backoff`
    : 'started by the harness';
}

export function timelineHtml(
  faults: readonly FaultRecord[],
  origin: number,
  seed: number,
  lifecycle: readonly LifecycleRow[] = [],
): string {
  const rows = faults.map((f) => [
    f.id,
    f.kind,
    f.description,
    f.targets.join(', '),
    since(origin, f.startedAt),
    since(origin, f.stoppedAt),
    f.startedAt !== undefined && f.stoppedAt !== undefined ? `${f.stoppedAt - f.startedAt} ms` : '—',
    {
      html: escapeHtml(
        f.state === 'undone' ? 'undone' : `${f.state}${f.undoError ? `: ${f.undoError}` : ''}`,
      ),
      className: f.state === 'undone' ? 'pass' : 'fail',
    },
    {
      html: f.evidence.map(escapeHtml).join('<br>'),
      // A fault the system's traffic never met proved nothing: its proof is marked like a failed undo.
      ...(f.felt && !f.felt.ok ? { className: 'fail' } : {}),
    },
  ]);
  const body =
    faults.length === 0
      ? '<p class="muted">No fault was injected in this scenario.</p>'
      : table(
          'fault-timeline',
          ['#', 'kind', 'fault', 'targets', 'began', 'undone', 'held', 'undo', 'proof it took effect'],
          rows,
        );
  // Every exit and restart of a process while the scenario ran: what the restart verdicts were judged from.
  const processes =
    lifecycle.length === 0
      ? ''
      : `<h2>Process exits and starts</h2>${table(
          'process-lifecycle',
          ['at', 'service', 'event', 'process'],
          lifecycle.map((r) => [
            since(origin, r.event.at),
            r.service,
            describeLifecycle(r.event),
            r.event.incarnation,
          ]),
        )}`;
  return page(
    'fault-timeline',
    'Fault timeline',
    `<p class="muted">Times are seconds after the scenario started (${new Date(origin).toISOString()}); seed ${seed}.</p>${body}${processes}`,
  );
}
