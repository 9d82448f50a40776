import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { extractErrorMatchingData, matchCategory, normalizeCategoriesConfig } from '@allurereport/core-api';
import { CATEGORIES } from '../../support/report/categories.ts';
import { ROOT, runCucumber } from '../features/cucumber-run.ts';

// Tags become Allure labels and links through cucumber.js's allure-cucumberjs configuration; the family
// label comes from the folder; a broken verdict is a product defect in the built report; and the category
// rules sort failure messages the way Allure's own matcher will.

const dir = mkdtempSync(join(tmpdir(), 'faultline-labels-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  name: string;
  status: string;
  labels: { name: string; value: string }[];
  links: { type: string; url: string }[];
}

test('tags become labels and links; a broken verdict is filed under product defects', async () => {
  const run = await runCucumber(['test/report/tags/labels.feature'], { FAULTLINE_REPORTS_DIR: dir }).done;
  assert.match(run.output, /2 scenarios \(1 passed, 1 failed\)/, run.output);
  assert.notEqual(run.code, 0, 'a failed scenario fails the run: the exit code is the gate');
  const results = readdirSync(join(dir, 'allure-results'))
    .filter((f) => f.endsWith('-result.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, 'allure-results', f), 'utf8')) as Result);
  const labelled = results.find((r) => r.name === 'A scenario that only arms a brake');
  assert.ok(labelled, JSON.stringify(results.map((r) => r.name)));
  const label = (name: string) => labelled.labels.filter((l) => l.name === name).map((l) => l.value);
  assert.deepEqual(label('severity'), ['critical']);
  assert.deepEqual(label('owner'), ['platform-team']);
  assert.deepEqual(label('epic'), ['Resilience'], 'an @epic: tag replaces the family as epic');
  assert.deepEqual(label('story'), ['labels']);
  assert.deepEqual(label('family'), ['tags']);
  assert.deepEqual(
    labelled.links.map((l) => [l.type, l.url]),
    [
      ['issue', '6'],
      ['tms', 'FL-1'],
    ],
  );
  assert.ok(!labelled.labels.some((l) => l.name === 'tag' && l.value.startsWith('@severity')));

  const output = join(dir, 'site');
  const built = spawnSync(
    'npm',
    ['run', '--silent', 'report', '--', '--results', join(dir, 'allure-results'), '--output', output],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(built.status, 0, `${built.stdout}\n${built.stderr}`);
  const categories = JSON.parse(readFileSync(join(output, 'widgets', 'categories.json'), 'utf8')) as {
    roots: string[];
    nodes: Record<string, { name: string; statistic?: { total: number } }>;
  };
  const roots = categories.roots.map((id) => categories.nodes[id]);
  assert.deepEqual(
    roots.map((n) => [n?.name, n?.statistic?.total]),
    [['Product defects: an SLO or verdict broken under the fault', 1]],
  );
});

test('category rules: verdicts and aborts are product defects; start-up failures are infrastructure', () => {
  const rules = normalizeCategoriesConfig({ rules: CATEGORIES as never });
  const category = (status: 'failed' | 'broken', message: string) =>
    matchCategory(rules, extractErrorMatchingData({ status, labels: [], error: { message }, flaky: false }))
      ?.id;
  assert.equal(
    category('failed', 'p95 under fault below 500 ms: p95 812 ms: expected false to equal true'),
    'product-defect',
  );
  assert.equal(
    category('broken', 'ABORTED: error rate 12.58% exceeded the 5% abort threshold'),
    'product-defect',
  );
  assert.equal(
    category('broken', 'the partition had no effect: worker-2 still answered'),
    'fault-without-effect',
  );
  assert.equal(
    category('broken', 'rollback left the environment dirty:\n- service worker-1 is not running'),
    'dirty-rollback',
  );
  // A service that died on its own is the system breaking, even beside a rollback problem.
  assert.equal(
    category(
      'broken',
      'the system broke during the experiment:\n- service worker-2 exited during the experiment (code 1, signal null) and was not brought back: no fault of this scenario killed it\nrollback left the environment dirty:\n- link a-to-b is still disabled',
    ),
    'product-defect',
  );
  assert.equal(
    category(
      'broken',
      'rollback left the environment dirty:\n- service worker-1 is not running (code null, signal SIGKILL): the undo of "worker-1 killed with SIGKILL" did not bring it back',
    ),
    'dirty-rollback',
  );
  assert.equal(
    category('broken', 'redis exited before it was ready (code 1, signal null)'),
    'infrastructure',
  );
  assert.equal(
    category('broken', 'steady state not reached within 30000 ms: controller sees 2/3'),
    'infrastructure',
  );
  assert.equal(category('broken', 'worker-1 did not start: spawn ENOENT'), 'infrastructure');
  assert.equal(category('broken', 'FAULTLINE_SYSTEM=nope is not a known system'), 'test-defect');
});
