import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCucumber } from '../features/cucumber-run.ts';

// The traffic proof of replica faults end to end, on the local backend with the reference platform: a
// replica that fails, or a failover, while no client sends anything (so the controller writes nothing to
// Postgres) fails its scenario as an invalid experiment, naming what was not at stake; the same replica
// failure under load passes, its proof counting the WAL the replica missed.

const dir = mkdtempSync(join(tmpdir(), 'faultline-replica-proof-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Envelope {
  pickle?: { id: string; name: string };
  testCase?: { id: string; pickleId: string };
  testCaseStarted?: { id: string; testCaseId: string };
  testStepFinished?: { testCaseStartedId: string; testStepResult: { status: string; message?: string } };
}

/** Failure messages per scenario name. */
function failures(file: string): Map<string, string[]> {
  const pickles = new Map<string, string>();
  const cases = new Map<string, string>();
  const started = new Map<string, string>();
  const out = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as Envelope;
    if (e.pickle) {
      pickles.set(e.pickle.id, e.pickle.name);
      out.set(e.pickle.name, []);
    }
    if (e.testCase) cases.set(e.testCase.id, pickles.get(e.testCase.pickleId) ?? '?');
    if (e.testCaseStarted) started.set(e.testCaseStarted.id, cases.get(e.testCaseStarted.testCaseId) ?? '?');
    const f = e.testStepFinished;
    if (f && f.testStepResult.status !== 'PASSED')
      out
        .get(started.get(f.testCaseStartedId) ?? '?')
        ?.push(f.testStepResult.message ?? f.testStepResult.status);
  }
  return out;
}

test('a replica fault no write of the system met is an invalid experiment; one under writes is felt', {
  timeout: 180_000,
}, async () => {
  const messages = join(dir, 'messages.ndjson');
  const { code, output } = await runCucumber(
    [
      'test/traffic/replica-proof.feature',
      '--import',
      'test/traffic/quiet.steps.ts',
      '--format',
      `message:${messages}`,
    ],
    { FAULTLINE_REPORTS_DIR: join(dir, 'reports') },
  ).done;
  assert.equal(code, 1, `the invalid experiments fail the run\n${output.slice(0, 4000)}`);
  const found = failures(messages);
  const [idle] = found.get('A replica fails while the system writes nothing') ?? [];
  assert.match(
    idle ?? '',
    /fault had no effect: the system wrote nothing on postgres while postgres-replica-1 was down \(0 write transactions\): no write was at stake — fault #1/,
  );
  assert.deepEqual(found.get('A replica fails while the system writes'), []);
});
