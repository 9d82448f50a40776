import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { seededDocument } from '../../fixtures/payloads/document.ts';
import type { FaultRecord } from '../../support/faults/ledger.ts';
import type { Operation } from '../../support/load/history.ts';
import { derive, shuffle } from '../../support/random.ts';
import { readMessages } from '../cucumber/messages.ts';
import { runCucumber } from '../features/cucumber-run.ts';

// One seed drives every random choice of a run. These runs are real (local backend): the same seed must
// pick the same fault targets and send the same request ids — and with them the same documents, which are
// generated from (seed, scenario, request id) — and a different seed must not.

const dir = mkdtempSync(join(tmpdir(), 'faultline-seed-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(seed: string, name: string) {
  const messages = join(dir, `${name}.ndjson`);
  const { code, output } = await runCucumber(
    ['test/seed/repeat.feature', '--format', `message:${messages}`],
    {
      FAULTLINE_SEED: seed,
    },
  ).done;
  assert.equal(code, 0, output);
  const report = readMessages(messages);
  const { seed: reported, faults } = report.json<{ seed: number; faults: FaultRecord[] }>(
    'fault-timeline.json',
  );
  const ids = report
    .json<Operation[]>('history.json')
    .map((op) => op.id)
    .sort();
  return { output, report, reported, targets: faults.flatMap((f) => f.targets), ids };
}

test('a re-run with the same seed picks the same targets and sends the same request ids', async () => {
  const first = await run('4242', 'first');
  const again = await run('4242', 'again');
  const other = await run('4243', 'other');
  assert.equal(first.reported, 4242);
  assert.equal(first.ids.length, 6);
  assert.equal(first.targets.length, 1);
  assert.deepEqual(again.targets, first.targets);
  assert.deepEqual(again.ids, first.ids);
  assert.equal(new Set(first.ids).size, 6, 'ids are distinct within a run');
  assert.equal(other.ids.filter((id) => first.ids.includes(id)).length, 0, 'another seed sends other ids');
  // The seed is printed at the start of the run and carried by the report.
  assert.match(first.output, /^faultline: seed 4242 \(FAULTLINE_SEED=4242 repeats this run\)$/m);
  assert.equal(first.report.attachment('seed.txt')?.body, 'FAULTLINE_SEED=4242');
  const allure = first.report.attachments.filter(
    (a) => a.mediaType === 'application/vnd.allure.message+json',
  );
  assert.ok(
    allure.some((a) => /"parameters":\[\{"name":"seed","value":"4242"/.test(a.body)),
    `an Allure "seed" parameter: ${allure.map((a) => a.body).join('\n')}`,
  );
});

test('without FAULTLINE_SEED a fresh seed is drawn and printed, so any run can be repeated', async () => {
  const messages = join(dir, 'fresh.ndjson');
  const { code, output } = await runCucumber(
    ['test/seed/repeat.feature', '--format', `message:${messages}`],
    // Empty counts as unset (runCucumber passes the parent's environment on otherwise).
    { FAULTLINE_SEED: '' },
  ).done;
  assert.equal(code, 0, output);
  const printed = output.match(/^faultline: seed (\d+) /m)?.[1];
  assert.ok(printed, output);
  assert.equal(readMessages(messages).json<{ seed: number }>('fault-timeline.json').seed, Number(printed));
});

test('a malformed FAULTLINE_SEED stops the run before anything starts, naming the variable and what is accepted', async () => {
  const { code, output } = await runCucumber(['test/seed/repeat.feature'], { FAULTLINE_SEED: 'forty-two' })
    .done;
  assert.notEqual(code, 0);
  assert.match(output, /FAULTLINE_SEED=forty-two is not a seed: use a whole number from 0 to 4294967295/);
  assert.doesNotMatch(output, /steady state|passed/);
});

test('seeded draws repeat: the same seed and purpose give the same member order and the same document', () => {
  const members = ['worker-1', 'worker-2', 'worker-3', 'worker-4', 'worker-5'];
  const order = (seed: number) => shuffle(members, derive(seed, 'scenario:targets:workers'));
  assert.deepEqual(order(4242), order(4242));
  const orders = new Set(Array.from({ length: 20 }, (_, seed) => order(seed).join(',')));
  assert.ok(orders.size > 5, `20 seeds gave only ${orders.size} orders`);
  const document = (seed: number) => seededDocument(derive(seed, 'scenario:operation:id-1'), 4096);
  assert.deepEqual(document(4242), document(4242));
  assert.notDeepEqual(document(4242), document(4243));
});
