import { rmSync } from 'node:fs';

// Everything a run creates on this machine, from the moment it exists: processes and temp dirs. An
// interrupted run (Ctrl-C while a topology is half up) never reaches the code that would normally stop
// them, so the signal handler sweeps whatever is registered here.

interface Stoppable {
  stop(graceMs: number): Promise<void>;
}

const processes = new Set<Stoppable>();
const dirs = new Set<string>();

// The last word: a temp dir whose creation was still under way when an interrupt's sweep ran (mkdtemp
// answers from the thread pool) is registered after it; remove it as the process exits. Synchronous, as
// 'exit' handlers must be; a normal run has removed its dirs by then, so this is a no-op.
process.on('exit', () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

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
  async sweep(): Promise<void> {
    // A short grace lets postgres shut down cleanly before its directory is removed under it.
    await Promise.allSettled([...processes].map((p) => p.stop(1_500)));
    processes.clear();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    dirs.clear();
  },
};
