import { When } from '@cucumber/cucumber';
import { crash } from '../support/faults/process/crash.ts';
import { requireAdapter } from '../support/system/system.ts';
import { memberWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';

// Uploading a large document takes a while; "2 seconds in" counts from when a member starts working on it.
const FIND_HOLDER_MS = 60_000;

When(
  /^the (\S+) handling it is killed with SIGKILL (.+) in$/,
  { timeout: FIND_HOLDER_MS + 120_000 },
  async function (this: FaultlineWorld, member: string, after: string) {
    const group = memberWord(this.env.topology, member);
    const holderOf = requireAdapter(this.system, 'holder', `"the ${member} … it is killed with SIGKILL"`);
    const delayMs = this.duration(after);
    const { id, done } = this.pendingOperation();
    let settled = false;
    void done.finally(() => {
      settled = true;
    });
    const deadline = Date.now() + FIND_HOLDER_MS;
    let holder = await holderOf(this.env, group, id);
    while (!holder && !settled && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      holder = await holderOf(this.env, group, id);
    }
    if (!holder)
      throw new Error(
        `no ${member} reported working on ${id}${settled ? ' before it completed' : ''}, so there is nothing to crash`,
      );
    await new Promise((r) => setTimeout(r, Math.max(0, holder.since + delayMs - Date.now())));
    if (settled)
      throw new Error(
        `${id} completed before ${after} of work on ${holder.member}: the crash would prove nothing`,
      );
    const fault = await this.faults.inject(crash(this.env, holder.member));
    this.attach(`${fault.description} ${after} into its work on ${id}\n${fault.evidence.join('\n')}`, {
      mediaType: 'text/plain',
    });
  },
);
