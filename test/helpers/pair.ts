import type { LinkSpec, ProcessService, Topology } from '../../support/system/topology.ts';

/** A process service that is never started: tests that assemble an environment by hand only need its name. */
const declared = (name: string): ProcessService => ({
  kind: 'process',
  name,
  command: ['node', 'x.ts'],
  cwd: '.',
  portEnv: 'P',
  readiness: { kind: 'port', timeoutMs: 1_000 },
  dependsOn: [],
  env: () => ({}),
});

/** Two services, `client` and `service`, joined by the given links. */
export const pairTopology = (links: LinkSpec[], probes: Topology['probes'] = {}): Topology => ({
  name: 'pair',
  services: [declared('client'), declared('service')],
  links,
  probes,
});
