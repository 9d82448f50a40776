import type { Environment } from '../../env/environment.ts';
import type { FaultSpec, TrafficProof } from '../ledger.ts';
import { boundCpu, serviceProcesses } from './bounds.ts';
import { ResourceGroup } from './cgroup.ts';
import { startHog } from './hog.ts';
import { alive, cpuShare, cpuTimes, cpuUsedMs, lastCpu } from './procfs.ts';

// CPU starvation, two ways. A quota holds a service to a share of one core (the CFS bandwidth controller:
// cpu.cfs_quota_us per cpu.cfs_period_us of the service's group): a noisy neighbour's throttling, a
// container sized too small. A hog pins a process at 100 % of the very CPU the service is confined to, in
// the service's own group: the two share that core, as a runaway thread beside it would. The proof is the
// kernel's: the quota read back, the hog's CPU time per wall second measured; whether the system felt it is
// the service's own CPU time while the fault held — a quota the service was throttled by (cpu.stat's
// nr_throttled grew), a hog beside a service that used CPU at all. An idle service proves nothing.

const PERIOD_US = 100_000;
const MEASURE_MS = 1_000;
/** The hog never sleeps; on a machine other work shares, the scheduler may give it little of the core. */
const HOG_AT_LEAST = 0.01;

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

export function cpuQuota(
  env: Environment,
  targets: readonly string[],
  options: { phrase: string; share: number; text: string; durationMs?: number },
): FaultSpec {
  const share = boundCpu(options.share, options.text);
  const quotaUs = Math.max(1_000, Math.round(share * PERIOD_US));
  const groups = new Map<string, ResourceGroup>();
  const started = new Map<
    string,
    { throttled: number; cpu: Map<number, number>; pids: number[]; at: number }
  >();
  return {
    kind: 'cpu-quota',
    description: `${options.phrase} held to ${options.text} of a CPU`,
    targets: [...targets],
    durationMs: options.durationMs,
    async apply() {
      const evidence: string[] = [];
      for (const t of targets) {
        const pids = await serviceProcesses(env, t, 'a CPU quota');
        const before = await cpuShare(pids, MEASURE_MS / 2);
        const group = await ResourceGroup.open(t, pids, ['cpu'], env.backend);
        groups.set(t, group);
        group.set('cpu', 'cpu.cfs_period_us', String(PERIOD_US));
        group.set('cpu', 'cpu.cfs_quota_us', String(quotaUs));
        const read = Number(group.read('cpu', 'cpu.cfs_quota_us'));
        if (read !== quotaUs)
          throw new Error(`the CPU quota had no effect: ${group.dirs.cpu} reads ${read}, not ${quotaUs}`);
        started.set(t, {
          throttled: group.stat('cpu', 'cpu.stat', 'nr_throttled'),
          cpu: cpuTimes(pids),
          pids,
          at: performance.now(),
        });
        evidence.push(
          `${t} (pids ${pids.join(', ')}): cpu.cfs_quota_us ${quotaUs} per cpu.cfs_period_us ${PERIOD_US} in ${group.dirs.cpu} (${group.own ? 'a group of its own' : 'its container’s group'}); it used ${pct(before)} of a CPU per wall second before`,
        );
      }
      return evidence;
    },
    async felt(): Promise<TrafficProof> {
      const lines: string[] = [];
      let ok = false;
      for (const [t, group] of groups) {
        const s = started.get(t);
        if (!s) continue;
        const throttled = group.stat('cpu', 'cpu.stat', 'nr_throttled') - s.throttled;
        const seconds = (performance.now() - s.at) / 1000;
        const used = cpuUsedMs(s.cpu, cpuTimes(s.pids)) / 1000 / seconds;
        const gone = s.pids.filter((p) => !alive(p));
        if (throttled > 0) ok = true;
        lines.push(
          `${t} used ${pct(used)} of a CPU per wall second over ${seconds.toFixed(1)} s under the ${options.text} quota, throttled in ${throttled} periods of ${PERIOD_US / 1000} ms${gone.length > 0 ? ` (pid ${gone.join(', ')} exited meanwhile)` : ''}`,
        );
      }
      return {
        ok,
        evidence: ok
          ? lines.join('; ')
          : `the system never pushed against the quota: ${lines.join('; ') || 'nothing measured'}`,
      };
    },
    async undo() {
      const failures: string[] = [];
      for (const [t, group] of groups)
        await group.release().catch((e: Error) => failures.push(`${t}: ${e.message}`));
      if (failures.length > 0) throw new Error(failures.join('; '));
    },
  };
}

export function cpuHog(
  env: Environment,
  targets: readonly string[],
  options: { phrase: string; durationMs?: number },
): FaultSpec {
  const groups = new Map<string, ResourceGroup>();
  const hogs: { stop(): Promise<void> }[] = [];
  const started = new Map<string, { cpu: Map<number, number>; pids: number[]; at: number }>();
  return {
    kind: 'cpu-hog',
    description: `a CPU hog at 100% beside ${options.phrase}`,
    targets: [...targets],
    durationMs: options.durationMs,
    async apply() {
      const evidence: string[] = [];
      for (const t of targets) {
        const pids = await serviceProcesses(env, t, 'a CPU hog');
        const cpu = lastCpu(pids[0]!);
        const group = await ResourceGroup.open(t, pids, ['cpu', 'cpuset'], env.backend);
        groups.set(t, group);
        // The service and the hog on one CPU: the hog cannot simply take the other core.
        group.set('cpuset', 'cpuset.cpus', String(cpu));
        const hog = await startHog(cpu, (pid) => group.join(pid));
        hogs.push(hog);
        const hogShare = await cpuShare(hog.pids(), MEASURE_MS);
        // It never sleeps; what it gets of the CPU is what the machine's other work leaves it (a shared
        // CI machine gives it a fair share, not the whole core), so the proof is that it burns at all.
        if (hogShare < HOG_AT_LEAST)
          throw new Error(
            `the CPU hog had no effect: it used ${pct(hogShare)} of CPU ${cpu} per wall second (at least ${pct(HOG_AT_LEAST)} expected)`,
          );
        started.set(t, { cpu: cpuTimes(pids), pids, at: performance.now() });
        evidence.push(
          `${t} (pids ${pids.join(', ')}) confined to CPU ${cpu} (cpuset.cpus in ${group.dirs.cpuset}); beside it ${hog.what} (pid ${hog.pid}) in the same group used ${pct(hogShare)} of that CPU per wall second`,
        );
      }
      return evidence;
    },
    async felt(): Promise<TrafficProof> {
      const lines: string[] = [];
      let ok = false;
      for (const [t, s] of started) {
        const seconds = (performance.now() - s.at) / 1000;
        const usedMs = cpuUsedMs(s.cpu, cpuTimes(s.pids));
        // The service ran at all while the hog held its CPU: it competed for it.
        if (usedMs >= 10) ok = true;
        lines.push(
          `${t} used ${pct(usedMs / 1000 / seconds)} of a CPU per wall second over ${seconds.toFixed(1)} s beside the hog`,
        );
      }
      return {
        ok,
        evidence: ok
          ? lines.join('; ')
          : `the service never needed the CPU the hog held: ${lines.join('; ') || 'nothing measured'}`,
      };
    },
    async undo() {
      const failures: string[] = [];
      await Promise.all(hogs.map((h) => h.stop().catch((e: Error) => failures.push(e.message))));
      for (const [t, group] of groups)
        await group.release().catch((e: Error) => failures.push(`${t}: ${e.message}`));
      if (failures.length > 0) throw new Error(failures.join('; '));
    },
  };
}
