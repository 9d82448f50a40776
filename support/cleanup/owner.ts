// Every child a run starts inherits FAULTLINE_OWNER from the runner's environment: it marks the child as the
// run's, so an interrupt's sweep (residue.ts) and the next run's start sweep (leftovers.ts) find and kill it.
// The tools that do the cleaning — `umount`, `mount` of a data disk, the containers watchdog — must not carry
// the mark: in a parallel run each worker thread sweeps at once, and one worker's sweep would otherwise kill
// another's `umount` half-way (its data disk left mounted, its temp dir busy).

export const OWNER_VARIABLE = 'FAULTLINE_OWNER';

/** This process's environment without the run's owner marker: for a cleaner, which no sweep may kill. */
export function withoutOwner(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { [OWNER_VARIABLE]: _owner, ...rest } = env;
  return rest;
}
