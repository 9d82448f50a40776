import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Envelope, Timestamp } from '@cucumber/messages';
import { chaosToolkitJournal } from './chaostoolkit-journal.ts';
import { coverageHtml, coverageMatrix } from './coverage.ts';
import { propertiesText, runEnvironment } from './environment.ts';
import { buildJournal, familyOf, type JournalScenario, type ScenarioStatus } from './journal.ts';
import { JOURNAL_ENTRY, type JournalEntry } from './journal-entry.ts';

// A cucumber formatter plugin, run in the runner process (so it sees every parallel worker's scenarios):
// `./support/report/journal-formatter.ts:reports/journal.json`. It writes the run journal to its target and,
// beside it, the coverage matrix (coverage.json, coverage.html). Into the Allure results directory it writes
// environment.properties (backend, seed, versions) — and at its start it empties that directory, so a report
// shows this run only (the Allure writer would otherwise accumulate every run's results).

interface Options {
  resultsDir?: string;
}

interface CaseState {
  pickleId: string;
  startedAt?: string;
  endedAt?: string;
  statuses: string[];
  error?: string;
  entry?: JournalEntry;
  steadyState?: string;
}

const iso = (t: Timestamp): string => new Date(t.seconds * 1000 + Math.floor(t.nanos / 1e6)).toISOString();

const STATUS_ORDER = ['FAILED', 'AMBIGUOUS', 'UNDEFINED', 'PENDING', 'UNKNOWN', 'SKIPPED', 'PASSED'];

function statusOf(statuses: readonly string[]): ScenarioStatus {
  const worst = STATUS_ORDER.find((s) => statuses.includes(s)) ?? 'UNKNOWN';
  return worst.toLowerCase() as ScenarioStatus;
}

function bodyText(body: string, encoding: string): string {
  return encoding === 'BASE64' ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/** Empties a results directory without removing it (another process may hold it open as its cwd). */
export function emptyDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}

export default {
  type: 'formatter' as const,
  formatter({
    on,
    write,
    options,
    directory,
  }: {
    on: (key: 'message', handler: (envelope: Envelope) => void) => void;
    write: (text: string) => void;
    options: Options;
    directory?: string;
  }) {
    const resultsDir = options.resultsDir ? resolve(options.resultsDir) : undefined;
    if (resultsDir) emptyDirectory(resultsDir);
    const features = new Map<string, { name: string; tags: string[] }>();
    const pickles = new Map<string, { name: string; uri: string; tags: string[] }>();
    const testCases = new Map<string, string>();
    const cases = new Map<string, CaseState>();
    const order: string[] = [];
    let runStarted = new Date().toISOString();

    on('message', (envelope) => {
      if (envelope.testRunStarted) runStarted = iso(envelope.testRunStarted.timestamp);
      else if (envelope.gherkinDocument?.uri && envelope.gherkinDocument.feature) {
        const f = envelope.gherkinDocument.feature;
        features.set(envelope.gherkinDocument.uri, { name: f.name, tags: f.tags.map((t) => t.name) });
      } else if (envelope.pickle) {
        const p = envelope.pickle;
        pickles.set(p.id, { name: p.name, uri: p.uri, tags: p.tags.map((t) => t.name) });
      } else if (envelope.testCase) testCases.set(envelope.testCase.id, envelope.testCase.pickleId);
      else if (envelope.testCaseStarted) {
        const started = envelope.testCaseStarted;
        cases.set(started.id, {
          pickleId: testCases.get(started.testCaseId) ?? '',
          startedAt: iso(started.timestamp),
          statuses: [],
        });
        order.push(started.id);
      } else if (envelope.testStepFinished) {
        const c = cases.get(envelope.testStepFinished.testCaseStartedId);
        const result = envelope.testStepFinished.testStepResult;
        if (c) {
          c.statuses.push(result.status);
          if (result.status === 'FAILED' && c.error === undefined)
            c.error = result.exception?.message ?? result.message ?? 'failed';
        }
      } else if (envelope.attachment?.testCaseStartedId) {
        const a = envelope.attachment;
        const c = cases.get(a.testCaseStartedId as string);
        if (!c) return;
        if (a.fileName === JOURNAL_ENTRY)
          c.entry = JSON.parse(bodyText(a.body, a.contentEncoding)) as JournalEntry;
        else if (a.fileName === 'steady-state.txt') c.steadyState = bodyText(a.body, a.contentEncoding);
      } else if (envelope.testCaseFinished) {
        const finished = envelope.testCaseFinished;
        const c = cases.get(finished.testCaseStartedId);
        if (!c) return;
        // A retried attempt is not the scenario's outcome: only the last attempt goes into the journal.
        if (finished.willBeRetried) {
          cases.delete(finished.testCaseStartedId);
          order.splice(order.indexOf(finished.testCaseStartedId), 1);
        } else c.endedAt = iso(finished.timestamp);
      } else if (envelope.testRunFinished) {
        const finished = envelope.testRunFinished;
        const scenarios = order.flatMap((id) => {
          const c = cases.get(id);
          const pickle = c && pickles.get(c.pickleId);
          if (!c || !pickle) return [];
          return [scenarioOf(c, pickle, features.get(pickle.uri))];
        });
        const seed = scenarios.find((s) => s.seed !== null)?.seed ?? null;
        const backends = [...new Set(scenarios.flatMap((s) => (s.backend ? [s.backend] : [])))];
        const systems = [...new Set(scenarios.flatMap((s) => (s.topology ? [s.topology.name] : [])))];
        const environment = runEnvironment({ seed, backends, systems });
        const journal = buildJournal(scenarios, {
          startedAt: runStarted,
          endedAt: iso(finished.timestamp),
          success: finished.success,
          environment,
        });
        write(`${JSON.stringify(journal, null, 2)}\n`);
        if (directory) {
          const matrix = coverageMatrix(journal);
          writeFileSync(join(directory, 'coverage.json'), `${JSON.stringify(matrix, null, 2)}\n`);
          writeFileSync(join(directory, 'coverage.html'), coverageHtml(matrix));
          // Each scenario also as a journal of Chaos Toolkit's own shape, for its tools (chaos report).
          const ctk = join(directory, 'chaostoolkit');
          emptyDirectory(ctk);
          journal.scenarios.forEach((s, i) => {
            const slug = s.name
              .toLowerCase()
              .replace(/[^a-z0-9]+/g, '-')
              .replace(/^-|-$/g, '')
              .slice(0, 60);
            const file = join(ctk, `${String(i + 1).padStart(3, '0')}-${slug}.json`);
            writeFileSync(file, `${JSON.stringify(chaosToolkitJournal(s, environment), null, 2)}\n`);
          });
        }
        if (resultsDir) {
          mkdirSync(resultsDir, { recursive: true });
          writeFileSync(join(resultsDir, 'environment.properties'), propertiesText(environment));
        }
      }
    });
  },
};

function scenarioOf(
  c: CaseState,
  pickle: { name: string; uri: string; tags: string[] },
  feature: { name: string; tags: string[] } | undefined,
): JournalScenario {
  const entry = c.entry;
  const evidence = c.steadyState?.split('\n').filter((l) => l.trim() !== '') ?? [];
  return {
    feature: feature?.name ?? pickle.uri,
    uri: pickle.uri,
    family: familyOf(pickle.uri),
    name: pickle.name,
    tags: pickle.tags,
    status: statusOf(c.statuses),
    ...(c.error ? { error: c.error } : {}),
    startedAt: c.startedAt,
    endedAt: c.endedAt,
    // steady-state.txt is attached only once the Given step saw the steady state; without it, it was not met.
    steadyStateBefore: { met: c.steadyState !== undefined, evidence },
    steadyStateAfter: entry?.steadyStateAfter ?? null,
    faults: entry?.faults ?? [],
    phases: entry?.phases ?? [],
    verdicts: entry?.verdicts ?? [],
    operations: entry?.operations ?? null,
    seed: entry?.seed ?? null,
    backend: entry?.backend ?? null,
    topology: entry?.topology ?? null,
  };
}
