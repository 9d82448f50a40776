import Table from 'cli-table3';
import type { Plan } from './plan.ts';

// The plan for people: one block per scenario — where it is, what it brings up, how it may be stopped, what
// load it drives — and a table of its faults. Problems last, each at its file:line like a compiler's.

export function renderPlan(plan: Plan): string {
  const out: string[] = [];
  for (const s of plan.scenarios) {
    out.push(`${s.uri}:${s.line}  ${s.name}${s.tags.length > 0 ? `  ${s.tags.join(' ')}` : ''}`);
    out.push(`  system:   ${s.system.join('; ') || '(no steady-state step)'}`);
    if (s.aborts.length > 0) out.push(`  abort:    ${s.aborts.join('; ')}`);
    if (s.loads.length > 0) out.push(`  load:     ${s.loads.join('; ')}`);
    if (s.faults.length === 0) out.push('  faults:   none');
    else {
      const table = new Table({
        head: ['line', 'fault', 'targets', 'duration', 'blast radius'],
        style: { head: [], border: [] },
        colWidths: [6, 30, 34, 18, 34],
        wordWrap: true,
      });
      for (const f of s.faults) table.push([f.line, f.fault, f.targets, f.duration, f.blastRadius]);
      out.push(
        ...table
          .toString()
          .split('\n')
          .map((line) => `  ${line}`),
      );
    }
    out.push('');
  }
  const faults = plan.scenarios.reduce((n, s) => n + s.faults.length, 0);
  out.push(
    `${plan.scenarios.length} scenario(s), ${faults} fault(s)${plan.problems.length > 0 ? `, ${plan.problems.length} problem(s):` : ''}`,
  );
  for (const p of plan.problems)
    out.push(`${p.uri}:${p.line}: ${p.problem}${p.step ? ` step "${p.step}"` : ''}: ${p.message}`);
  return `${out.join('\n')}\n`;
}
