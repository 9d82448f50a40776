import { rmSync } from 'node:fs';

// Everything a run creates on this machine, from the moment it exists: processes and temp dirs. An
// interrupted run (Ctrl-C while a topology is half up) never reaches the code that would normally stop
// them, so the signal handler sweeps whatever is registered here.

interface Stoppable {
  stop(graceMs: number): Promise<void>;
}

const processes = new Set<Stoppable>();
const dirs = new Set<string>();

/** Set once the sweep began: the run is stopping, and nothing new may be created (see tmp.ts). */
let closing = false;

export const residue = {
  addProcess(p: Stoppable): void {
    processes.add(p);
  },
  deleteProcess(p: Stoppable): void {
    processes.delete(p);
  },
  addDir(path: string): void {
    dirs.add(path);
  },
  deleteDir(path: string): void {
    dirs.delete(path);
  },
  /** This run's temp dirs that exist right now: what a fault may rewrite files in (support/faults/guard.ts). */
  dirs(): string[] {
    return [...dirs];
  },
  /** True once the run began stopping (an interrupt): no new temp dir may be made. */
  get closing(): boolean {
    return closing;
  },
  /** The run is stopping: from now on nothing new is made (the sweep will not look again). */
  close(): void {
    closing = true;
  },
  async sweep(): Promise<void> {
    closing = true;
    // A short grace lets postgres shut down cleanly before its directory is removed under it.
    await Promise.allSettled([...processes].map((p) => p.stop(1_500)));
    processes.clear();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    dirs.clear();
  },
};
