import { AfterStep, Before } from '@cucumber/cucumber';
import { label } from 'allure-js-commons';
import type { FaultlineWorld } from '../world.ts';
import { familyOf } from './journal.ts';

// Labels a tag cannot carry. Tags map to labels in cucumber.js (allure-cucumberjs `labels`/`links`:
// @epic:, @story:, @severity:, @owner:, @layer:, @issue=, @tms=); here the failure-mode family comes from
// the feature's folder (features/network/… → network), which also stands in as the epic when no @epic: tag
// names one, and the backend from the environment the scenario really ran on ('auto' resolves only then).

Before({ name: 'Allure labels: family, epic' }, async ({ pickle }) => {
  const family = familyOf(pickle.uri);
  await label('family', family);
  if (!pickle.tags.some((t) => t.name.startsWith('@epic:'))) await label('epic', family);
});

// Allure takes no labels from After hooks, so the backend is labelled after the step that brought the
// environment up (once per scenario).
const labelled = new WeakSet<FaultlineWorld>();
AfterStep(async function (this: FaultlineWorld) {
  if (!this.hasEnv || labelled.has(this)) return;
  labelled.add(this);
  await label('backend', this.env.backend);
});
