import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FaultRecord } from '../../support/faults/ledger.ts';
import { runCucumber } from '../features/cucumber-run.ts';

// DNS fault steps that must fail, run as a user runs them (local backend, the reference platform): the
// fault on the controller's lookups of redis — a name it never looks up (it reaches Redis by address) —
// holds under load and fails the scenario as an invalid experiment; an unknown service, an unknown answer
// kind and a service that looks nothing up by name each fail their step at file:line, naming the word and
// what is accepted, with no fault applied.

const dir = mkdtempSync(join(tmpdir(), 'faultline-dns-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FEATURE = 'test/dns/dns-mistakes.feature';

interface Envelope {
  pickle?: { id: string; name: string };
  testCase?: { id: string; pickleId: string };
  testCaseStarted?: { id: string; testCaseId: string };
  testStepFinished?: { testCaseStartedId: string; testStepResult: { status: string; message?: string } };
  attachment?: { testCaseStartedId?: string; fileName?: string; body: string };
}

/** Per scenario: its failure messages and its attachments by file name. */
function outcomes(file: string) {
  const names = new Map<string, string>();
  const byScenario = new Map<string, { failures: string[]; files: Map<string, string> }>();
  const of = (id: string | undefined) => {
    const name = names.get(id ?? '') ?? '?';
    const entry = byScenario.get(name) ?? { failures: [], files: new Map<string, string>() };
    byScenario.set(name, entry);
    return entry;
  };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line) as Envelope;
    if (e.pickle) names.set(e.pickle.id, e.pickle.name);
    if (e.testCase) names.set(e.testCase.id, names.get(e.testCase.pickleId) ?? '?');
    if (e.testCaseStarted) names.set(e.testCaseStarted.id, names.get(e.testCaseStarted.testCaseId) ?? '?');
    const finished = e.testStepFinished;
    if (finished && finished.testStepResult.status !== 'PASSED')
      of(finished.testCaseStartedId).failures.push(
        `${finished.testStepResult.status}: ${finished.testStepResult.message ?? ''}`,
      );
    if (e.attachment?.fileName)
      of(e.attachment.testCaseStartedId).files.set(e.attachment.fileName, e.attachment.body);
  }
  return byScenario;
}

const faultsOf = (files: Map<string, string>): FaultRecord[] =>
  (JSON.parse(files.get('fault-timeline.json') ?? '{}') as { faults?: FaultRecord[] }).faults ?? [];

test('a DNS fault no lookup met is an invalid experiment; bad words fail at file:line with nothing applied', {
  timeout: 180_000,
}, async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('the local backend needs root for a service that looks names up');
    return;
  }
  const messages = join(dir, 'messages.ndjson');
  const { code, output } = await runCucumber([FEATURE, '--format', `message:${messages}`], {
    FAULTLINE_REPORTS_DIR: join(dir, 'reports'),
  }).done;
  assert.equal(code, 1, `every scenario fails the run\n${output.slice(0, 3000)}`);
  const scenarios = outcomes(messages);

  const idle = scenarios.get('A DNS fault on a name the system does not look up proves nothing');
  assert.ok(idle, [...scenarios.keys()].join(', '));
  assert.equal(idle.failures.length, 1, idle.failures.join('\n'));
  assert.match(
    idle.failures[0]?.split('\n')[0] ?? '',
    /^FAILED: Error: fault had no effect: controller did not look redis\.faultline up while the fault held \(\d+\.\d s\): no lookup of the system met it — fault #1, controller's lookups of redis\.faultline fail with NXDOMAIN$/,
  );
  const [held] = faultsOf(idle.files);
  assert.equal(held?.state, 'undone');
  assert.match(
    held?.evidence[0] ?? '',
    /^controller → redis\.faultline .*resolved to 127\.0\.0\.1 .* before; NXDOMAIN: not resolved/,
  );

  const expected: [string, number, RegExp][] = [
    [
      'An unknown service',
      13,
      /'kontroller' is not a service of .*; its services: redis, postgres, controller, worker-1, worker-2/,
    ],
    [
      'An unknown answer kind',
      17,
      /'TIMEOUT' is not a way a DNS lookup fails: use NXDOMAIN \(the name does not exist\), SERVFAIL \(the server failed\), or "get no answer" \(the query is dropped\)/,
    ],
    [
      'A service that looks nothing up by name',
      21,
      /worker-1 does not look names up through faultline's resolver, so its lookups cannot be failed: services that do: controller\. A service's lookups go there when its env addresses a dependency by name: w\.host\('controller'\) or w\.url\('controller', \{ byName: true \}\) \(controller\.faultline\)/,
    ],
  ];
  for (const [name, line, message] of expected) {
    const scenario = scenarios.get(name);
    assert.ok(scenario, name);
    assert.equal(scenario.failures.length, 1, `${name}: ${scenario.failures.join('\n')}`);
    assert.match(scenario.failures[0] ?? '', message, name);
    assert.deepEqual(faultsOf(scenario.files), [], `${name}: nothing applied`);
    // Cucumber names the failing scenario at the feature file and its line, the step and the message under it.
    assert.match(output, new RegExp(`${FEATURE.replaceAll('.', '\\.')}:${line}`), `${name} at line ${line}`);
  }
});
