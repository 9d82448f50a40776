import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCucumber } from '../features/cucumber-run.ts';

// A security fault aimed at what the system does not do while it holds — a grant it never uses, a command
// nobody sends — fails its scenario as an invalid experiment, naming what it measured, on the local backend
// with the reference platform. (features/security shows the same faults felt under load.)

const dir = mkdtempSync(join(tmpdir(), 'faultline-security-invalid-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a security fault the system never met is an invalid experiment, and still undone', async () => {
  const reports = join(dir, 'reports');
  const { code, output } = await runCucumber(
    ['test/security/invalid.feature', '--import', 'test/traffic/quiet.steps.ts'],
    { FAULTLINE_REPORTS_DIR: reports },
  ).done;
  assert.equal(code, 1, `invalid experiments fail the run\n${output.slice(0, 4000)}`);
  assert.match(
    output,
    /fault had no effect: postgres refused no statement of the system on table ledger while the revocation held: the system never used DELETE there/,
  );
  assert.match(
    output,
    /fault had no effect: the system ran no SET on redis while it was denied \(ACL LOG has no new refusal of conversions\)/,
  );
  assert.match(output, /2 scenarios \(2 failed\)/);
  const journal = JSON.parse(readFileSync(join(reports, 'journal.json'), 'utf8')) as {
    scenarios: { faults: { state: string; evidence: string[] }[] }[];
  };
  for (const s of journal.scenarios) {
    assert.equal(s.faults.length, 1);
    assert.equal(s.faults[0]!.state, 'undone');
    assert.match(s.faults[0]!.evidence.at(-1) ?? '', /^traffic: /);
  }
});
