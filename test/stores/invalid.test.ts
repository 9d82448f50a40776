import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCucumber } from '../features/cucumber-run.ts';

// A store fault aimed at what the system's traffic does not use while it holds — a key no request reads, a
// database nothing writes to — fails its scenario as an invalid experiment, naming what it measured, on the
// local backend with the reference platform. (The features under features/dependencies show the same
// faults felt under load.)

const dir = mkdtempSync(join(tmpdir(), 'faultline-stores-invalid-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a store fault the system never met is an invalid experiment', async () => {
  const reports = join(dir, 'reports');
  const { code, output } = await runCucumber(
    ['test/stores/invalid.feature', '--import', 'test/traffic/quiet.steps.ts'],
    { FAULTLINE_REPORTS_DIR: reports },
  ).done;
  assert.equal(code, 1, `invalid experiments fail the run\n${output.slice(0, 4000)}`);
  assert.match(
    output,
    /fault had no effect: no poisoned key of redis was read or written by anyone while it held \(0 of 1 poisoned key\(s\) touched in \d\.\d s\) — fault #1, redis key "faultline:routing:cursor" poisoned/,
  );
  assert.match(
    output,
    /fault had no effect: no write transaction of the system reached postgres's tables while its queries were slowed — fault #1, postgres queries 300 ms slower/,
  );
  assert.match(output, /2 scenarios \(2 failed\)/);
  // Both faults were still undone: the journal records them undone, with the failed proof.
  const journal = JSON.parse(readFileSync(join(reports, 'journal.json'), 'utf8')) as {
    scenarios: { faults: { state: string; evidence: string[] }[] }[];
  };
  for (const s of journal.scenarios) {
    assert.equal(s.faults.length, 1);
    assert.equal(s.faults[0]!.state, 'undone');
    assert.match(s.faults[0]!.evidence.at(-1) ?? '', /^traffic: no /);
  }
});
