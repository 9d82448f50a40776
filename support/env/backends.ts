import { containersBackend } from './containers/backend.ts';
import { engineReachable } from './containers/runtime.ts';
import type { Backend } from './environment.ts';
import { localBackend } from './local/backend.ts';

// Loaded only when chosen: @kubernetes/client-node is large, and most runs never touch a cluster.
const kubernetesBackend: Backend = {
  name: 'kubernetes',
  up: async (topology, options) =>
    (await import('./kubernetes/backend.ts')).kubernetesBackend.up(topology, options),
};

const backends: Record<string, Backend> = {
  local: localBackend,
  containers: containersBackend,
  kubernetes: kubernetesBackend,
};

let announced = false;
function announce(name: string, why: string): void {
  if (announced) return;
  announced = true;
  process.stderr.write(`faultline: ${name} backend (${why})\n`);
}

let automatic: Promise<Backend> | undefined;

/**
 * No backend named: containers when a Docker engine answers, else local; decided once per run. (`probe` is
 * there for tests: a machine with an engine cannot pretend to have none otherwise, since Testcontainers falls
 * back to the default socket when DOCKER_HOST is wrong.)
 */
export function chooseAutomatically(
  probe: () => Promise<boolean> = () => engineReachable(3_000),
): Promise<Backend> {
  automatic ??= probe().then((reachable) => {
    if (reachable) {
      announce('containers', 'a Docker engine answers; FAULTLINE_BACKEND=local runs without it');
      return containersBackend;
    }
    announce('local', 'no Docker engine reachable; FAULTLINE_BACKEND=containers to require one');
    return localBackend;
  });
  return automatic;
}

const auto: Backend = {
  name: 'auto',
  async up(topology, options) {
    return (await chooseAutomatically()).up(topology, options);
  },
};

/**
 * FAULTLINE_BACKEND=local|containers names one (or `configured`, e.g. a cucumber profile's world parameter);
 * unset (or `auto`), the containers backend is used when a Docker engine is reachable and the local one
 * otherwise. The choice is printed once per run.
 */
export function selectBackend(configured?: string): Backend {
  const name = process.env.FAULTLINE_BACKEND || configured || 'auto';
  if (name === 'auto') return auto;
  const backend = backends[name];
  if (!backend)
    throw new Error(
      `FAULTLINE_BACKEND=${name} is not a backend; accepted: ${Object.keys(backends).join(', ')} (or unset/auto)`,
    );
  announce(name, process.env.FAULTLINE_BACKEND ? 'FAULTLINE_BACKEND' : 'configured');
  return backend;
}
