import type { DownReport, FaultReport } from './session.ts';
import type { GameDayState } from './state.ts';

// How the game-day commands print what the `up` process reports: one block per fault, its id first (what
// `faultline undo` takes), then the evidence that proved it, then its traffic proof once it was undone.

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(2))} s`;

export function faultLines(fault: FaultReport): string[] {
  const lasting =
    fault.state !== 'active' && fault.state !== 'applying'
      ? ''
      : fault.durationMs === undefined
        ? '; holds until undone'
        : `; heals by itself ${seconds(fault.durationMs)} after it took effect`;
  const lines = [`#${fault.id} ${fault.description} [${fault.state}${lasting}]`];
  for (const line of fault.evidence) lines.push(`    ${line}`);
  if (fault.felt && !fault.felt.ok)
    lines.push(
      `    fault had no effect${fault.felt.unknown ? ' that could be proven' : ''}: ${fault.felt.evidence}`,
    );
  if (fault.undoError) lines.push(`    undo failed: ${fault.undoError}`);
  return lines;
}

export function addressLines(state: Pick<GameDayState, 'services' | 'links' | 'proxy'>): string[] {
  const width = Math.max(...state.services.map((s) => s.name.length));
  const lines = ['services (their own address):'];
  for (const s of state.services) lines.push(`  ${s.name.padEnd(width)}  ${s.kind.padEnd(8)} ${s.address}`);
  lines.push('links (through the fault proxy):');
  if (state.links.length === 0) lines.push('  none');
  const arrows = state.links.map((l) => `${l.from} → ${l.to}${l.port ? `:${l.port}` : ''}`);
  const linkWidth = Math.max(0, ...arrows.map((a) => a.length));
  state.links.forEach((l, i) => {
    lines.push(`  ${arrows[i]!.padEnd(linkWidth)}  ${l.address}  (proxy ${l.proxy})`);
  });
  lines.push(`fault proxy API: ${state.proxy}`);
  const proxy = new URL(state.proxy);
  lines.push(
    `for Chaos Toolkit (faultline export chaostoolkit): FAULTLINE_PROXY_HOST=${proxy.hostname} FAULTLINE_PROXY_PORT=${proxy.port || '80'}`,
  );
  return lines;
}

export function downLines(report: DownReport): string[] {
  const lines = report.faults.map((f) => `#${f.id} ${f.description}: ${f.state}`);
  for (const line of report.withoutEffect) lines.push(line);
  for (const line of report.findings) lines.push(`the system broke during the game day: ${line}`);
  if (report.problems.length > 0)
    lines.push('rollback left the environment dirty:', ...report.problems.map((p) => `- ${p}`));
  else lines.push('rolled back and verified clean: no toxic, every link enabled, every service answered');
  return lines;
}
