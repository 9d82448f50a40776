import { availableParallelism, totalmem } from 'node:os';
import type { Environment } from '../../env/environment.ts';
import { StepInputError } from '../../parse.ts';
import { isDeclared, service, type Topology } from '../../system/topology.ts';
import { guardService } from '../guard.ts';
import { resourceAccessMissing } from './cgroup.ts';

// The bounds every resource fault keeps: it acts only on a process service of the running topology (the
// guard), only on that service's own processes (listed by its backend), never with a figure beyond what this
// machine has. These checks run before anything is changed, and `faultline plan` runs the figure checks too.

/** The share of the machine's memory a step may name at most: the rest keeps the machine (and run) alive. */
export const MEMORY_CEILING = 0.85;

export const formatBytes = (bytes: number): string =>
  bytes >= 1e9
    ? `${(bytes / 1e9).toFixed(1)} GB`
    : bytes >= 1e6
      ? `${(bytes / 1e6).toFixed(1)} MB`
      : `${Math.round(bytes / 1e3)} KB`;

/** A memory figure no larger than MEMORY_CEILING of this machine's memory, else a named refusal. */
export function boundMemory(bytes: number, what: string, machine = totalmem()): number {
  const ceiling = Math.floor(machine * MEMORY_CEILING);
  if (bytes <= 0) throw new StepInputError(`${what} must be above 0 bytes`);
  if (bytes > ceiling)
    throw new StepInputError(
      `${what} is ${formatBytes(bytes)}, more than this machine can give: ${Math.round(MEMORY_CEILING * 100)}% of its memory is ${formatBytes(ceiling)} (of ${formatBytes(machine)}); name at most ${formatBytes(ceiling)}`,
    );
  return bytes;
}

/** A CPU share (1 = one whole core) above zero and no more than the machine's cores, else a named refusal. */
export function boundCpu(share: number, text: string, cores = availableParallelism()): number {
  if (!(share > 0))
    throw new StepInputError(`a CPU quota of ${text} holds the service to nothing: name a share above 0%`);
  if (share > cores)
    throw new StepInputError(
      `a CPU quota of ${text} is more than this machine has: it has ${cores} CPUs (${cores * 100}% of a CPU)`,
    );
  return share;
}

/**
 * The services a resource step names must be process services (or containers) of the topology: a store is
 * kept by faultline for the next scenario and is not a resource fault's to starve. Checked by the step and
 * the plan before anything is applied.
 */
export function processServiceWords(topology: Topology, targets: readonly string[], step: string): void {
  for (const target of targets) {
    const spec = service(topology, target);
    if (!isDeclared(spec))
      throw new StepInputError(
        `${step} acts on a process service: '${target}' is a ${spec.kind} store, which faultline keeps for the next scenario; the services that qualify: ${topology.services
          .filter(isDeclared)
          .map((s) => s.name)
          .join(', ')}`,
      );
  }
}

/**
 * The host pids of a process service of the running topology, checked: a guarded service, of a kind
 * faultline runs as a process or container of its own (a store faultline reuses across scenarios is left
 * alone), running, on a backend that can list them, by a runner allowed to change their groups.
 */
export async function serviceProcesses(env: Environment, target: string, step: string): Promise<number[]> {
  guardService(env, target);
  processServiceWords(env.topology, [target], step);
  const missing = resourceAccessMissing(step);
  if (missing) throw new Error(missing);
  const control = env.control(target);
  if (!control.processes)
    throw new Error(
      `the ${env.backend} backend cannot list the processes of ${target}, so ${step} cannot act on it`,
    );
  const pids = await control.processes();
  if (pids.length === 0) throw new Error(`${step}: ${target} is not running (${control.incarnation()})`);
  return pids;
}
