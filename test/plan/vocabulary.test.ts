import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadStepDefinitions, patternKey } from '../../support/plan/steps.ts';
import { VOCABULARY } from '../../support/plan/vocabulary.ts';

// The plan knows what a step means only through its vocabulary: every step definition must have an entry,
// and every entry a definition, or a fault step could silently drop out of every plan.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('every step definition has a meaning for the plan, and every meaning a step definition', async () => {
  const definitions = await loadStepDefinitions(ROOT);
  assert.ok(definitions.length > 20);
  const patterns = definitions.map((d) => patternKey(d.pattern));
  const missing = definitions.filter((d) => VOCABULARY[patternKey(d.pattern)] === undefined);
  assert.deepEqual(
    missing.map((d) => `${d.uri}:${d.line} ${patternKey(d.pattern)}`),
    [],
    'add these step definitions to support/plan/vocabulary.ts',
  );
  assert.deepEqual(
    Object.keys(VOCABULARY).filter((key) => !patterns.includes(key)),
    [],
    'these vocabulary entries match no step definition (renamed or removed?)',
  );
  // Every step that injects a fault is planned as one.
  for (const d of definitions)
    if (
      /^steps\/(network|latency|process|certificate|system)\.steps\.ts$/.test(d.uri) &&
      /partitioned|slowed|slower|SIGKILL|certificate that is|expires in/.test(patternKey(d.pattern))
    )
      assert.equal(VOCABULARY[patternKey(d.pattern)]?.kind, 'fault', patternKey(d.pattern));
});
