import 'allure-cucumberjs';
import { After, Before, setDefaultTimeout } from '@cucumber/cucumber';
import { live } from './env/live.ts';
import { residue } from './env/residue.ts';
import { verifyClean } from './faults/clean.ts';
import type { FaultlineWorld } from './world.ts';

// Scenarios run real experiments: bringing a topology up, holding a fault and waiting out a recovery take
// seconds, not the 5 s default.
setDefaultTimeout(120_000);

Before(function (this: FaultlineWorld, { pickle }) {
  this.scenario = pickle.name;
});

// Rollback: undo every fault newest-first, prove the environment is clean, attach the evidence, tear down.
// Runs whether the scenario passed, failed, or a step threw half-way.
After({ timeout: 60_000 }, async function (this: FaultlineWorld) {
  const problems: string[] = [];
  try {
    problems.push(...(await this.faults.rollback()));
    if (this.hasEnv) problems.push(...(await verifyClean(this.env)));
    await attachEvidence(this);
  } finally {
    await this.down();
  }
  if (problems.length > 0)
    throw new Error(`rollback left the environment dirty:\n- ${problems.join('\n- ')}`);
});

async function attachEvidence(world: FaultlineWorld): Promise<void> {
  const json = (data: unknown, fileName: string) =>
    world.attach(JSON.stringify(data, null, 2), { mediaType: 'application/json', fileName });
  json({ seed: world.seed, faults: world.faults.records }, 'fault-timeline.json');
  json(world.history.operations, 'history.json');
  if (!world.hasEnv) return;
  for (const service of world.env.topology.services) {
    const lines = world.env.logs(service.name);
    if (lines.length > 0)
      world.attach(lines.map((l) => `${new Date(l.at).toISOString()} ${l.line}`).join('\n'), {
        mediaType: 'text/plain',
        fileName: `${service.name}.log`,
      });
  }
}

// An interrupted run never reaches the After hooks: undo and stop everything here, then exit non-zero.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    const exit = () => process.exit(signal === 'SIGINT' ? 130 : 143);
    // Orderly teardown first; whatever it did not reach (a topology half up) is swept after it.
    const orderly = Promise.race([live.releaseAll(), new Promise((r) => setTimeout(r, 10_000))]);
    void orderly.then(() => residue.sweep()).finally(exit);
  });
}
