import type { Environment } from '../../env/environment.ts';
import type { FaultSpec } from '../ledger.ts';
import { addToxics, named, removeToxics, type ToxicPlan, toxicFault } from './toxic.ts';

// A link that flaps: down (a black hole, proven like a partition) for `periodMs`, then up for `periodMs`,
// and so on while the fault holds. Each flip is one step of a serial chain, so an undo that arrives while a
// flip is adding the toxic back waits for it and then removes it: nothing is left behind. Every flip is
// time-stamped in the traffic proof's evidence (a flap that never flipped would be a plain partition).
export function flap(env: Environment, unnamed: ToxicPlan, periodMs: number): FaultSpec {
  // Named here, so the flips add and remove the very toxics the fault applied.
  const plan = named(unnamed);
  const base = toxicFault(env, plan);
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  let down = true;
  let since = 0;
  const flips: string[] = [];
  const errors: string[] = [];
  return {
    ...base,
    async apply() {
      const evidence = await base.apply();
      since = Date.now();
      // Undone while it was still applying (an interrupt): no timer may start after the undo.
      if (stopped) return evidence;
      timer = setInterval(() => {
        chain = chain.then(async () => {
          if (stopped) return;
          down = !down;
          try {
            if (down) for (const cut of plan.cuts) await addToxics(env, plan, cut);
            else await removeToxics(env, plan);
            flips.push(`${down ? 'down' : 'up'} at +${((Date.now() - since) / 1000).toFixed(1)} s`);
          } catch (error) {
            errors.push((error as Error).message);
          }
        });
      }, periodMs);
      return [...evidence, `then up and down again every ${periodMs} ms while it holds`];
    },
    async felt() {
      const proof = await base.felt!();
      const flipped = flips.length
        ? `; flipped ${flips.length} time${flips.length === 1 ? '' : 's'} (${flips.join(', ')})`
        : '; it never flipped (the fault held less than one period)';
      const failed = errors.length ? `; flips that failed: ${errors.join('; ')}` : '';
      return { ...proof, evidence: `${proof.evidence}${flipped}${failed}` };
    },
    async undo() {
      stopped = true;
      clearInterval(timer);
      await chain;
      await base.undo();
    },
  };
}
