import { statusOf, type Verdict } from '../checks/verdict.ts';
import type { FaultRecord } from '../faults/ledger.ts';
import { latencyOf, type Operation } from '../load/history.ts';
import { percentiles } from '../load/percentile.ts';
import { type Phase, splitPhases } from '../load/phases.ts';
import { escapeHtml, page, since, table } from './html.ts';

// The per-phase SLO table: the figures each phase measured (the same phase split the verdicts judged by),
// beside every verdict with the figures it reported. Nothing here is estimated: a phase without operations
// says so instead of showing zeros.

export interface PhaseFigures {
  phase: Phase;
  label: string;
  /** Epoch ms; null when the phase is open-ended or absent. */
  from: number | null;
  to: number | null;
  absent?: string;
  operations: number;
  ok: number;
  fail: number;
  unknown: number;
  /** Failed or unknown, as a share of the operations (null without operations). */
  errorRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Successful completions per second between the phase's first start and last completion. */
  throughputPerS: number | null;
}

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
const round = (n: number): number => Math.round(n * 100) / 100;

export function phaseFigures(
  operations: readonly Operation[],
  faults: readonly FaultRecord[],
): PhaseFigures[] {
  const phases = splitPhases(operations, faults);
  return (['baseline', 'fault', 'recovery', 'run'] as const).map((name) => {
    const w = phases[name];
    const ops = w.operations;
    const ok = ops.filter((o) => o.outcome === 'ok').length;
    const fail = ops.filter((o) => o.outcome === 'fail').length;
    const [p50, p95, p99, max] = percentiles(ops.map(latencyOf), [50, 95, 99, 100]).map((v) =>
      Number.isNaN(v) ? null : round(v),
    );
    const first = Math.min(...ops.map((o) => o.invokedAt));
    const last = Math.max(...ops.map((o) => o.completedAt));
    return {
      phase: name,
      label: w.label,
      from: finite(w.from),
      to: finite(w.to),
      ...(w.absent ? { absent: w.absent } : {}),
      operations: ops.length,
      ok,
      fail,
      unknown: ops.length - ok - fail,
      errorRate: ops.length === 0 ? null : round(((ops.length - ok) / ops.length) * 100) / 100,
      p50Ms: p50 ?? null,
      p95Ms: p95 ?? null,
      p99Ms: p99 ?? null,
      maxMs: max ?? null,
      throughputPerS: ops.length === 0 || last <= first ? null : round((ok * 1000) / (last - first)),
    };
  });
}

const figure = (v: number | null, unit = ''): string => (v === null ? '—' : `${v}${unit}`);
const figureText = (v: Verdict['figures'][string]): string => (Array.isArray(v) ? v.join(', ') : String(v));

export function sloTableHtml(
  phases: readonly PhaseFigures[],
  verdicts: readonly Verdict[],
  origin: number,
): string {
  const phaseRows = phases.map((p) => [
    p.label,
    p.absent
      ? { html: `<span class="muted">${escapeHtml(p.absent)}</span>` }
      : `${since(origin, p.from ?? undefined)} → ${p.to === null ? 'end' : since(origin, p.to)}`,
    p.operations,
    p.ok,
    p.fail,
    p.unknown,
    p.errorRate === null ? '—' : `${Math.round(p.errorRate * 10000) / 100}%`,
    figure(p.p50Ms, ' ms'),
    figure(p.p95Ms, ' ms'),
    figure(p.p99Ms, ' ms'),
    figure(p.maxMs, ' ms'),
    figure(p.throughputPerS, '/s'),
  ]);
  const verdictRows = verdicts.map((v) => [
    { html: statusOf(v).toUpperCase(), className: statusOf(v) },
    v.check,
    v.message,
    {
      html: Object.entries(v.figures)
        .map(([k, val]) => `${escapeHtml(k)}: ${escapeHtml(figureText(val))}`)
        .join('<br>'),
    },
  ]);
  return page(
    'slo-table',
    'SLOs per phase',
    `${table(
      'phases',
      [
        'phase',
        'window',
        'operations',
        'ok',
        'failed',
        'unknown',
        'error rate',
        'p50',
        'p95',
        'p99',
        'max',
        'throughput (ok)',
      ],
      phaseRows,
    )}<h2>Verdicts</h2>${
      verdicts.length === 0
        ? '<p class="muted">No verdict was reached (the scenario stopped before its Then steps).</p>'
        : table('verdicts', ['verdict', 'check', 'measured', 'figures'], verdictRows)
    }<p class="muted">Latency counts from each operation's due start (open loop: its intended start). Unknown outcomes (timeouts) count as errors.</p>`,
  );
}
