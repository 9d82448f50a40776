import type { Environment } from '../env/environment.ts';
import type { FaultLedger } from '../faults/ledger.ts';

// Environments that are up right now in this process, and the fault ledgers of scenarios under way. A
// signal handler rolls the faults back and tears the environments down, because an interrupted run never
// reaches the After hooks that would normally do it.
const environments = new Set<Environment>();
const ledgers = new Set<FaultLedger>();
// Teardowns already under way (an After hook's): an interrupt arriving meanwhile must wait for them, or the
// process exits half-way through, e.g. before an external fault proxy's links are deleted.
const stopping = new Set<Promise<void>>();

export const live = {
  async track(starting: Promise<Environment>): Promise<Environment> {
    const env = await starting;
    environments.add(env);
    return env;
  },
  async release(env: Environment): Promise<void> {
    environments.delete(env);
    const down = env.down();
    stopping.add(down);
    try {
      await down;
    } finally {
      stopping.delete(down);
    }
  },
  trackFaults(ledger: FaultLedger): void {
    ledgers.add(ledger);
  },
  releaseFaults(ledger: FaultLedger): void {
    ledgers.delete(ledger);
  },
  /** Undoes every fault still in place (an external fault proxy outlives the run), then stops everything. */
  async releaseAll(): Promise<void> {
    const faults = [...ledgers];
    ledgers.clear();
    await Promise.allSettled(faults.map((ledger) => ledger.rollback()));
    const all = [...environments];
    environments.clear();
    await Promise.allSettled([...all.map((env) => env.down()), ...stopping]);
  },
};
