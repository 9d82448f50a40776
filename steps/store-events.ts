import { detectedWithin } from '../support/checks/recovery.ts';
import { storeWord } from '../support/faults/stores/store.ts';
import { finished } from '../support/load/running.ts';
import { parseDuration } from '../support/parse.ts';
import { requireAdapter, requireEvents } from '../support/system/system.ts';
import { subjectWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { judge, settle } from './judge.ts';

/**
 * What the system reports about a fault on a store, judged within `bound`: from the start of each fault on
 * that store to the first event of `meaning` (outage: the store lost; credentials: its login refused;
 * permission: an operation denied) whose subject names the store. Shared by the dependency and security
 * steps, which differ only in the meaning and the step's words.
 */
export async function storeEventWithin(
  world: FaultlineWorld,
  subject: string,
  word: string,
  bound: string,
  meaning: 'outage' | 'credentials' | 'permission',
  step: string,
): Promise<void> {
  subjectWord(world.env.topology, subject);
  const name = storeWord(world.env.topology, word, 'store');
  const boundMs = parseDuration(bound);
  const expected = requireEvents(world.system, meaning, step);
  const audit = requireAdapter(world.system, 'audit', step);
  await finished(world);
  const faults = world.faults.records.filter((f) => f.targets.includes(name));
  const since = Math.min(world.startedAt, ...faults.map((f) => f.startedAt ?? world.startedAt));
  // Events about another store say nothing about this one.
  const judgeNow = async () =>
    detectedWithin(
      faults,
      (await audit(world.env, since)).filter((e) => e.subject === name),
      expected,
      boundMs,
    );
  // An event recorded while the store refused the system reaches the audit log once it takes writes again.
  judge(
    world,
    await settle(judgeNow, { until: Date.now() + 5_000, everyMs: 200, waiting: faults.length > 0 }),
  );
}
