import { parseDuration, parsePercent, parseSize, StepInputError } from '../../parse.ts';
import type { Topology } from '../../system/topology.ts';
import { serviceWord } from '../../system/words.ts';
import { boundCpu, boundMemory } from './bounds.ts';

// The figures of the resource steps, read by the steps and by `faultline plan` alike (nothing here starts
// or touches anything): each parsed strictly and bounded by what this machine has, before anything applies.

/** The step patterns, shared by steps/resource.steps.ts and support/plan/meanings/resource.ts. */
export const RESOURCE_STEPS = {
  cpuQuota: '^(.+?) (?:is|are) held to (\\S+ ?%) of a CPU(?: for (.+))?$',
  cpuHog: '^a CPU hog runs beside (.+?)(?: for (.+))?$',
  memoryLimit: '^the memory of (.+?) is capped at (.+?)( above (?:its|their) use)?(?: for (.+))?$',
  memoryPressure: '^(.+?) of memory (?:is|are) held in the group of (.+?)(?: for (.+))?$',
  connectionLeak: '^connections to (.+?) leak at (.+?) per second for (.+)$',
  openFiles: '^the open-files limit of (.+?) is lowered below (?:its|their) use(?: for (.+))?$',
  diskFull: '^the disk of (\\S+) (?:is full|fills to (\\S+ ?%))(?: for (.+))?$',
} as const;

/**
 * The service a disk fault fills, checked against the topology: it exists and declares a data disk. The
 * share of it to fill: 100 for "is full", else the step's percentage (1% to 100%).
 */
export function diskWords(topology: Topology, service: string, percent: string | undefined): number {
  serviceWord(topology, service);
  const spec = topology.services.find((s) => s.name === service);
  if (!spec || !('disk' in spec) || spec.disk === undefined) throw noDataDisk(topology, service);
  if (percent === undefined) return 100;
  const share = parsePercent(percent) * 100;
  if (!(share >= 1 && share <= 100))
    throw new StepInputError(`'${percent}' is not a share of a disk to fill: write 1% to 100%, or "is full"`);
  return share;
}

/** The error for a disk step on a service without a data disk (`where`: e.g. " on the kubernetes backend"). */
export function noDataDisk(topology: Topology, service: string, where = ''): StepInputError {
  const kind = topology.services.find((s) => s.name === service)?.kind;
  const declare =
    kind === 'redis'
      ? `declare one: redis('${service}', { disk: '16 MB' })`
      : kind === 'process'
        ? `declare one: disk: { env: 'DATA_DIR', size: '64 MB' } in ${service}'s declaration`
        : `a ${kind} service takes none (a data disk is declared for Redis stores, redis(name, { disk: '16 MB' }), and process services, disk: { env, size })`;
  const withDisk = topology.services.filter((s) => 'disk' in s && s.disk !== undefined).map((s) => s.name);
  return new StepInputError(
    `${service} has no data disk${where} to fill: ${declare}; services with one: ${withDisk.join(', ') || '(none)'}`,
  );
}

/** "5%" of one CPU → 0.05 of a core; above the machine's cores is refused. */
export function cpuWords(text: string): number {
  return boundCpu(parsePercent(text), text);
}

/** "64 MB" → bytes, at most what the machine can give. */
export function memoryWords(text: string, what: string): number {
  return boundMemory(parseSize(text), `${what} of ${text}`);
}

const MAX_LEAK_RATE = 1_000;

/** Connections per second of a leak (a whole number from 1 to 1000) and how long it grows. */
export function leakWords(rate: string, lasting: string): { perSecond: number; forMs: number } {
  const perSecond = Number(rate);
  if (!/^\d+$/.test(rate.trim()) || perSecond < 1 || perSecond > MAX_LEAK_RATE)
    throw new StepInputError(
      `'${rate}' is not a leak rate: write a whole number of connections per second from 1 to ${MAX_LEAK_RATE}, e.g. 'leak at 20 per second'`,
    );
  const forMs = parseDuration(lasting);
  if (forMs <= 0) throw new StepInputError(`a connection leak needs a duration above zero, not ${lasting}`);
  return { perSecond, forMs };
}
