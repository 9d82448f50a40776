import { ToxiproxyClient } from '../../proxy/client.ts';
import { findConfig, loadConfig } from '../../system/config.ts';
import type { Endpoint, Topology } from '../../system/topology.ts';
import type { Backend, Environment, ServiceControl } from '../environment.ts';
import { type ChaosApi, chaosApi, defaultKubeConfig } from './client.ts';
import { kubernetesConfig } from './config.ts';
import { listRunObjects, removeRunObjects } from './sweep.ts';
import { type KubernetesTarget, kubernetesTarget } from './target.ts';

// The kubernetes backend: a topology that already runs in a cluster (faultline deploys nothing). `up`
// checks the config's kubernetes section, removes what dead runs left (once per process), and finds the
// pods of every service the config maps; the environment reaches services at the URLs the config gives,
// and its faults are Chaos Mesh objects (env.chaos). What only exists on one machine — the fault proxy's
// links, a process to signal, its logs — does not exist here: asking for it is a clear error naming the
// kubernetes way, never a silent stand-in. `down` deletes every chaos object this run still has.

/** Where links would be: there is no fault proxy in a cluster, so there are no links to read or cut. */
class NoFaultProxy extends ToxiproxyClient {
  constructor() {
    super('http://no-fault-proxy.invalid');
  }
  override async proxies() {
    return [];
  }
}

const notHere = (what: string, instead: string) =>
  new Error(`${what} does not exist on the kubernetes backend: ${instead}`);

function endpointOf(url: string, service: string): Endpoint {
  const parsed = new URL(url);
  const port = Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80);
  if (!parsed.hostname) throw new Error(`kubernetes.services.${service}.url: no host in ${url}`);
  return { host: parsed.hostname, port };
}

function noControl(service: string): ServiceControl {
  const fail = (): never => {
    throw notHere(
      `process control of ${service}`,
      'its pods are Kubernetes’; kill, stop and restart faults are PodChaos objects (see env.chaos)',
    );
  };
  return {
    alive: fail,
    incarnation: fail,
    paused: async () => fail(),
    kill: async () => fail(),
    terminate: async () => fail(),
    pause: async () => fail(),
    resume: async () => fail(),
    settled: async () => {},
    restart: async () => fail(),
  };
}

export interface KubernetesEnvironment extends Environment {
  readonly chaos: KubernetesTarget;
}

let swept: Promise<void> | undefined;

/** The environment of a deployment described by `configValue` (the config's kubernetes section). */
export async function kubernetesEnvironment(
  topology: Topology,
  configValue: unknown,
  options: { api?: ChaosApi; where?: string; log?: (line: string) => void } = {},
): Promise<KubernetesEnvironment> {
  const config = kubernetesConfig(configValue, options.where);
  const api = options.api ?? chaosApi(defaultKubeConfig(config.context));
  const chaos = kubernetesTarget(config, { api, ...(options.where ? { where: options.where } : {}) });
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  swept ??= chaos.sweep().then((result) => {
    if (result.removed.length > 0)
      log(`faultline: removed leftovers of dead runs: ${result.removed.join('; ')}`);
  });
  await swept.catch((error: Error) => {
    swept = undefined;
    throw new Error(`kubernetes backend: the sweep of dead runs' chaos objects failed: ${error.message}`);
  });
  // Every service the config maps must have pods: a deployment that is not there is no steady state.
  const missing: string[] = [];
  for (const [name, placement] of Object.entries(config.services))
    if ((await api.pods(placement.namespace, placement.selector)).length === 0)
      missing.push(
        `${name} (${Object.entries(placement.selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')} in ${placement.namespace})`,
      );
  if (missing.length > 0)
    throw new Error(
      `kubernetes backend at ${api.server}: no pods for ${missing.join(', ')}; faultline does not deploy — check kubernetes.services against the cluster`,
    );
  return {
    backend: 'kubernetes',
    topology,
    chaos,
    toxiproxy: new NoFaultProxy(),
    withoutLinks:
      'the services run in a cluster and talk to each other directly, reached by the harness at kubernetes.services.<name>.url',
    endpoint: (service) => endpointOf(chaos.url(service), service),
    linkEndpoint: (from, to) => {
      throw notHere(
        `the link ${from} → ${to}`,
        'services talk to each other directly; network faults on it are NetworkChaos objects (see env.chaos)',
      );
    },
    storeUrl: (service) => chaos.url(service),
    control: noControl,
    lifecycle: () => [],
    logs: () => [],
    async inspect() {
      const problems: string[] = [];
      for (const left of await listRunObjects(api, config))
        problems.push(`${left} is still in the cluster (its undo did not remove it)`);
      for (const [name, placement] of Object.entries(config.services))
        for (const pod of await api.pods(placement.namespace, placement.selector))
          if (pod.phase !== 'Running')
            problems.push(
              `service ${name}: pod ${pod.namespace}/${pod.name} is ${pod.phase ?? 'in an unknown phase'}, not Running`,
            );
      return problems;
    },
    async down() {
      await removeRunObjects(api, config);
    },
  };
}

export const kubernetesBackend: Backend = {
  name: 'kubernetes',
  async up(topology) {
    const file = findConfig();
    const { config } = await loadConfig(file);
    return kubernetesEnvironment(topology, config.kubernetes, { where: file });
  },
};
