import { availableParallelism } from 'node:os';
import type { HookTarget } from '@cucumber/cucumber';

// How many scenarios the `ci` profile runs at once (cucumber's `parallel`): one per core the machine offers
// (os.availableParallelism(), which honours CPU affinity), or FAULTLINE_WORKERS. Each scenario starts a whole
// topology — a controller, workers, stores, a fault proxy, a load generator — so more workers than cores
// only makes every scenario slower. 1 means no worker threads at all: cucumber's in-process runner.

export const WORKERS_VARIABLE = 'FAULTLINE_WORKERS';

/** cucumber's `parallel` option: 0 (in-process) for one worker, else the number of worker threads. */
export function parallelWorkers(
  env: Record<string, string | undefined> = process.env,
  cores: number = availableParallelism(),
): number {
  const configured = env[WORKERS_VARIABLE];
  let workers = cores;
  if (configured !== undefined && configured.trim() !== '') {
    if (!/^\d+$/.test(configured.trim()) || Number(configured) < 1)
      throw new Error(
        `${WORKERS_VARIABLE}=${configured} is not a number of workers: use a whole number from 1 up (1 runs every scenario in turn; unset, one per core: ${cores})`,
      );
    workers = Number(configured);
  }
  return workers <= 1 ? 0 : workers;
}

/**
 * A BeforeAll/AfterAll option: run the hook once, in the coordinator (the main thread), not in every worker
 * (in a run without workers it runs as any other). cucumber 13's ESM entry does not export the HookTarget
 * enum its types declare, so its value is written out here.
 */
export const ONCE_PER_RUN = { on: 'COORDINATOR' as HookTarget };
