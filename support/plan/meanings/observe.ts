import { checkInterval } from '../../observe/hypothesis.ts';
import { parseHypothesis, type TableRow } from '../../observe/probe.ts';
import { subjectWord } from '../../system/words.ts';
import { formatDuration, type Meaning, text, words } from '../meaning.ts';

// The steady-state hypothesis's table is checked row by row at plan time, as the step checks it before
// reading anything: each probe's kind and words, its service against the topology, its tolerance.

export const OBSERVE: Record<string, Meaning> = {
  'the steady-state hypothesis, checked every {duration}:': {
    kind: 'steady state',
    notExported:
      'its probes are read continuously by faultline while the faults hold; not yet written as Chaos Toolkit probes',
    note: ([interval, table], notes) => {
      checkInterval(Number(interval));
      const rows = Array.isArray(table) ? (table as TableRow[]) : [];
      if (rows.length === 0)
        throw new Error('the step needs its table: | probe | of | tolerance | and one row per probe');
      const probes = parseHypothesis(rows, notes.topology);
      notes.system.push(
        `steady-state hypothesis: ${probes.length} probe(s) every ${formatDuration(Number(interval))} (${probes
          .map((p) => `${p.text} of ${p.service} ${p.tolerance.text}`)
          .join('; ')})`,
      );
    },
  },
  'the steady-state hypothesis held throughout': { kind: 'verdict' },
  'the steady-state hypothesis catches each fault within {duration}': { kind: 'verdict' },
  'the steady-state hypothesis holds again within {duration} after the faults are rolled back': {
    kind: 'verdict',
  },
  'the failure stays isolated to {word}': {
    kind: 'verdict',
    note: ([word], n) => words(n, (t) => subjectWord(t, text(word))),
  },
};
