import { escapeHtml, page } from './html.ts';
import type { JournalScenario } from './journal.ts';

// The resilience coverage matrix: failure modes (rows) × services (columns); a cell lists the experiments
// that injected that failure into that service and whether one passed. Services are named by role — a
// member of a group counts for its group (worker-3 → workers) — so the matrix reads "partition × workers",
// not one column per replica. A scenario without a fault (duplicate submissions, steady load) is a row of
// its own family against the whole system. Every service of the topologies that ran gets a column, so a
// gap (nothing ever partitioned redis) shows as an empty cell.

export const WHOLE_SYSTEM = 'whole system';

export interface CoverageCell {
  mode: string;
  service: string;
  experiments: { name: string; uri: string; status: string }[];
  /** At least one experiment for this cell passed. */
  covered: boolean;
}

export interface CoverageMatrix {
  modes: string[];
  services: string[];
  cells: CoverageCell[];
}

/** What a fault is, finer than its kind where the kind spans several failure modes (certificates). */
function modeOf(fault: JournalScenario['faults'][number]): string {
  if (fault.kind !== 'certificate' && fault.kind !== 'server certificate') return fault.kind;
  // "worker-2 presents a certificate expiring in 3000 ms" → "certificate expiring"
  const problem = /certificate (?:that is )?(.+)$/.exec(fault.description)?.[1]?.replace(/ in \d+ ms$/, '');
  return problem ? `${fault.kind} ${problem}` : fault.kind;
}

function roleOf(target: string, scenario: JournalScenario): string {
  const service = scenario.topology?.services.find((s) => s.name === target);
  return service ? (service.group ?? service.name) : target;
}

export function coverageMatrix(journal: { scenarios: readonly JournalScenario[] }): CoverageMatrix {
  const cells = new Map<string, CoverageCell>();
  const services = new Set<string>();
  const add = (mode: string, service: string, scenario: JournalScenario) => {
    const key = `${mode}\u0000${service}`;
    const cell = cells.get(key) ?? { mode, service, experiments: [], covered: false };
    if (!cell.experiments.some((e) => e.name === scenario.name && e.uri === scenario.uri))
      cell.experiments.push({ name: scenario.name, uri: scenario.uri, status: scenario.status });
    cell.covered ||= scenario.status === 'passed';
    cells.set(key, cell);
  };
  for (const scenario of journal.scenarios) {
    for (const s of scenario.topology?.services ?? []) services.add(s.group ?? s.name);
    if (scenario.faults.length === 0) add(`${scenario.family} (no injected fault)`, WHOLE_SYSTEM, scenario);
    // Both ends of a link, when the fault says what it touches beyond its targets.
    for (const fault of scenario.faults)
      for (const target of fault.touches ?? fault.targets) {
        const role = roleOf(target, scenario);
        services.add(role);
        add(modeOf(fault), role, scenario);
      }
  }
  const all = [...cells.values()];
  const columns = [...services].sort();
  if (all.some((c) => c.service === WHOLE_SYSTEM)) columns.push(WHOLE_SYSTEM);
  return { modes: [...new Set(all.map((c) => c.mode))].sort(), services: columns, cells: all };
}

export function coverageHtml(matrix: CoverageMatrix): string {
  const cell = (mode: string, service: string): string => {
    const c = matrix.cells.find((x) => x.mode === mode && x.service === service);
    if (!c) return '<td class="muted">—</td>';
    const list = c.experiments.map((e) => `${escapeHtml(e.name)} (${escapeHtml(e.status)})`).join('<br>');
    return `<td class="${c.covered ? 'pass' : 'fail'}" title="${escapeHtml(c.experiments.map((e) => e.uri).join(', '))}">${c.covered ? '✔ passing' : '✘ no passing experiment'}<br><span class="muted" style="font-weight:normal">${list}</span></td>`;
  };
  const head = `<tr><th>failure mode \\ service</th>${matrix.services.map((s) => `<th>${escapeHtml(s)}</th>`).join('')}</tr>`;
  const rows = matrix.modes
    .map((m) => `<tr><th>${escapeHtml(m)}</th>${matrix.services.map((s) => cell(m, s)).join('')}</tr>`)
    .join('');
  const covered = matrix.cells.filter((c) => c.covered).length;
  return page(
    'coverage-matrix',
    'Resilience coverage',
    `<p>${covered} of ${matrix.cells.length} exercised (failure mode, service) pairs have a passing experiment in this run; — marks a pair no experiment touched.</p><table class="coverage">${head}${rows}</table>`,
  );
}
