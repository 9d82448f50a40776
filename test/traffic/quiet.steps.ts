import { setTimeout as sleep } from 'node:timers/promises';
import { When } from '@cucumber/cucumber';

// Test-only step (loaded with --import by test/traffic/traffic-proof.test.ts): the experiment holds its
// fault while no client sends anything, so nothing of the system should cross the faulted link.
When('no client sends anything for {duration}', async (ms: number) => {
  await sleep(ms);
});
