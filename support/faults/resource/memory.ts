import type { Environment, LifecycleEvent } from '../../env/environment.ts';
import { StepInputError } from '../../parse.ts';
import type { FaultSpec, TrafficProof } from '../ledger.ts';
import { type OperationsSource, trafficInto } from '../process/felt.ts';
import { revive } from '../process/kill.ts';
import { boundMemory, formatBytes, serviceProcesses } from './bounds.ts';
import { ResourceGroup } from './cgroup.ts';
import { holdMemory } from './holder.ts';

// Memory faults on a service's group (cgroup.ts). A limit (memory.limit_in_bytes) is the container sized
// too small: once the service needs more than it, the kernel's OOM killer ends it — and the restart policy
// the topology declares, if any, brings it back (outside the limit: the fault held the process it found).
// Pressure is N MB held inside the service's group by a process of faultline's (holder.ts): the neighbour
// that eats the headroom, so a limit the service lived within is suddenly close. The proof is the group's
// own accounting, sampled while the fault holds: usage, the limit read back, how often the limit was hit
// (memory.failcnt) and the OOM kills (memory.oom_control's oom_kill), with the service's exits.

const SAMPLE_MS = 100;

/** The group's figures, the largest seen while the fault held (a container's group goes with its process). */
interface Sampled {
  maxUsage: number;
  failcnt: number;
  oomKills: number;
}

function sampler(group: ResourceGroup) {
  const first = {
    failcnt: Number(group.read('memory', 'memory.failcnt')),
    oomKills: group.stat('memory', 'memory.oom_control', 'oom_kill'),
  };
  const seen: Sampled = { maxUsage: 0, failcnt: 0, oomKills: 0 };
  const sample = () => {
    try {
      seen.maxUsage = Math.max(seen.maxUsage, Number(group.read('memory', 'memory.usage_in_bytes')));
      seen.failcnt = Math.max(seen.failcnt, Number(group.read('memory', 'memory.failcnt')) - first.failcnt);
      seen.oomKills = Math.max(
        seen.oomKills,
        group.stat('memory', 'memory.oom_control', 'oom_kill') - first.oomKills,
      );
    } catch {
      // The container's group went with its killed process; what was seen until then stands.
    }
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  timer.unref();
  return {
    seen,
    stop() {
      sample();
      clearInterval(timer);
    },
  };
}

const exitsSince = (events: readonly LifecycleEvent[], since: number) =>
  events.filter((e) => e.event === 'exited' && e.at >= since);

export function memoryLimit(
  env: Environment,
  targets: readonly string[],
  options: { phrase: string; bytes: number; text: string; aboveUse: boolean; durationMs?: number },
): FaultSpec {
  boundMemory(options.bytes, `a memory limit of ${options.text}`);
  const groups = new Map<string, { group: ResourceGroup; sampled: ReturnType<typeof sampler>; at: number }>();
  const what = `${options.text}${options.aboveUse ? ' above its use' : ''}`;
  return {
    kind: 'memory-limit',
    description: `the memory of ${options.phrase} capped at ${what}`,
    targets: [...targets],
    durationMs: options.durationMs,
    async apply() {
      const evidence: string[] = [];
      for (const t of targets) {
        const pids = await serviceProcesses(env, t, 'a memory limit');
        const group = await ResourceGroup.open(t, pids, ['memory'], env.backend);
        // Its use is what it holds that the kernel cannot reclaim: first its resident memory (the page
        // cache in its group goes first under a cap, so a headroom above the cache would never be reached);
        // where the group holds more that cannot go (kernel memory, a container's tmpfs), the kernel refuses
        // the cap (EBUSY) after reclaiming what it could, and what is left is its use.
        let usage = group.stat('memory', 'memory.stat', 'total_rss');
        let limit = 0;
        groups.set(t, { group, sampled: sampler(group), at: Date.now() });
        for (let attempt = 0; ; attempt++) {
          limit = boundMemory(
            options.aboveUse ? usage + options.bytes : options.bytes,
            `the memory cap of ${t}`,
          );
          try {
            group.set('memory', 'memory.limit_in_bytes', String(limit));
            break;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
            usage = Number(group.read('memory', 'memory.usage_in_bytes'));
            if (options.aboveUse && attempt < 2) continue;
            throw new StepInputError(
              `cannot hold ${t} to ${formatBytes(limit)} of memory: it uses ${formatBytes(usage)} that the kernel cannot reclaim (no swap). Name at least ${formatBytes(usage)}, or a headroom: 'capped at 8 MB above its use'`,
            );
          }
        }
        const read = Number(group.read('memory', 'memory.limit_in_bytes'));
        // The kernel rounds the limit down to whole pages.
        if (read > limit || read < limit - 4096)
          throw new Error(`the memory limit had no effect: ${group.dirs.memory} reads ${read}, not ${limit}`);
        evidence.push(
          `${t} (pids ${pids.join(', ')}): memory.limit_in_bytes ${read} (${formatBytes(read)}) in ${group.dirs.memory}, its use ${formatBytes(usage)} when the cap was set${group.charges === 'new' ? ' (this kernel leaves the memory it held before charged to its former group: the cap counts what it allocates from now on)' : ''}`,
        );
      }
      return evidence;
    },
    async felt(): Promise<TrafficProof> {
      const lines: string[] = [];
      let ok = false;
      for (const [t, { sampled, at }] of groups) {
        sampled.stop();
        const { seen } = sampled;
        const exits = exitsSince(env.lifecycle(t), at);
        const killed = exits.filter((e) => e.exit?.signal === 'SIGKILL' || e.exit?.code === 137);
        // A container's group goes with its killed process, sometimes before a sample read the kill: a
        // SIGKILL while the cap held counts as the OOM killer's (the evidence names the exit).
        if (seen.failcnt > 0 || seen.oomKills > 0 || killed.length > 0) ok = true;
        lines.push(
          `${t}: used up to ${formatBytes(seen.maxUsage)}, hit the limit ${seen.failcnt} times, ${seen.oomKills} OOM kill${seen.oomKills === 1 ? '' : 's'} in its group${killed.length > 0 ? `; killed ${killed.map((e) => `${e.incarnation} at ${new Date(e.at).toISOString()}`).join(', ')}` : ''}${exits.some((e) => e.event === 'exited') && env.lifecycle(t).some((e) => e.event === 'started' && e.at >= at) ? ' and started again by its restart policy' : ''}`,
        );
      }
      return {
        ok,
        evidence: ok
          ? lines.join('; ')
          : `the system never reached the memory limit: ${lines.join('; ') || 'nothing measured'}`,
      };
    },
    async undo() {
      const failures: string[] = [];
      for (const [t, { group, sampled }] of groups) {
        sampled.stop();
        await group.release().catch((e: Error) => failures.push(`${t}: ${e.message}`));
        // OOM-killed and not (yet) started again by a restart policy: brought back, as a kill's undo does.
        await revive(env.control(t), t).catch((e: Error) => failures.push(`${t}: ${e.message}`));
      }
      if (failures.length > 0) throw new Error(failures.join('; '));
    },
  };
}

export function memoryPressure(
  env: Environment,
  targets: readonly string[],
  options: {
    phrase: string;
    bytes: number;
    text: string;
    durationMs?: number;
    operations?: OperationsSource;
  },
): FaultSpec {
  boundMemory(options.bytes, `holding ${options.text}`);
  const groups = new Map<string, ResourceGroup>();
  const holders: { stop(): Promise<void> }[] = [];
  const traffic = trafficInto(env, targets, 'memory pressure', options.operations);
  return {
    kind: 'memory-pressure',
    description: `${options.text} of memory held in the group of ${options.phrase}`,
    targets: [...targets],
    durationMs: options.durationMs,
    async apply() {
      const evidence: string[] = [];
      for (const t of targets) {
        const pids = await serviceProcesses(env, t, 'memory pressure');
        // Inside the group the service is in: under a memory cap, the cap's.
        const group = await ResourceGroup.open(t, pids, ['memory'], env.backend, { share: true });
        groups.set(t, group);
        const limit = Number(group.read('memory', 'memory.limit_in_bytes'));
        const before = Number(group.read('memory', 'memory.usage_in_bytes'));
        if (options.bytes > limit)
          throw new StepInputError(
            `holding ${options.text} in the group of ${t} is more than its group may hold: the service's limit is ${formatBytes(limit)}`,
          );
        const holder = await holdMemory(options.bytes, (pid) => group.join(pid));
        holders.push(holder);
        const after = Number(group.read('memory', 'memory.usage_in_bytes'));
        if (!holder.holding())
          throw new Error(
            `the memory pressure had no effect: the holder (pid ${holder.pid}) did not survive holding ${options.text} in ${t}'s group (its limit ${formatBytes(limit)}): ${holder.ended()}`,
          );
        if (after - before < options.bytes * 0.8)
          throw new Error(
            `the memory pressure had no effect: ${t}'s group grew by ${formatBytes(after - before)}, not ${options.text}`,
          );
        evidence.push(
          `${t} (pids ${pids.join(', ')}): its group ${group.dirs.memory} used ${formatBytes(before)} before and ${formatBytes(after)} with faultline's holder (pid ${holder.pid}) holding ${options.text} inside it (limit ${limit >= 2 ** 62 ? 'none' : formatBytes(limit)})`,
        );
      }
      await traffic.begin();
      return evidence;
    },
    felt: () => traffic.felt(),
    async undo() {
      const failures: string[] = [];
      await Promise.all(holders.map((h) => h.stop().catch((e: Error) => failures.push(e.message))));
      for (const [t, group] of groups)
        await group.release().catch((e: Error) => failures.push(`${t}: ${e.message}`));
      if (failures.length > 0) throw new Error(failures.join('; '));
    },
  };
}
