import type { ServiceControl } from '../../support/env/environment.ts';

/**
 * Process control of a service the test itself serves (a server in the test process): alive as long as the
 * test runs, and every action a no-op. For hand-built environments whose faults act on links, not processes.
 */
export function inertControl(): ServiceControl {
  return {
    alive: () => true,
    kill: async () => {},
    incarnation: () => 'pid 1',
    settled: async () => {},
    paused: async () => false,
    terminate: async () => ({ graceful: true, ms: 0 }),
    pause: async () => {},
    resume: async () => {},
    restart: async () => {},
  };
}
