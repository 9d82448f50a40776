import { readFile } from 'node:fs/promises';
import type { ServiceControl } from '../env/environment.ts';

// The resident memory of a service's process, sampled while malformed requests flood it: "its memory stays
// bounded" is judged from these samples, never assumed. Read from /proc/<pid>/status (VmRSS) on this machine:
// a local process, or a container's main process through its host pid — the same number `docker stats`
// starts from, without the engine's one-second sampling.

export interface MemorySample {
  at: number;
  rssBytes: number;
}

export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = status.match(/^VmRSS:\s+(\d+)\s+kB$/m)?.[1];
  if (kb === undefined)
    throw new Error(`/proc/${pid}/status has no VmRSS line (a zombie, or a kernel thread)`);
  return Number(kb) * 1024;
}

export interface MemoryWatch {
  service: string;
  /** Samples taken before the first malformed request: the baseline. */
  readonly baseline: MemorySample[];
  readonly samples: MemorySample[];
  /** Why nothing could be sampled, when nothing could. */
  unavailable?: string;
  stop(): Promise<void>;
}

/**
 * Samples `service`'s RSS every `everyMs`, three baseline samples first. A process that restarts is followed
 * (its new pid); samples missed while it is down are simply absent — health is judged elsewhere.
 */
export async function watchMemory(
  service: string,
  control: ServiceControl,
  everyMs = 50,
): Promise<MemoryWatch> {
  const watch: MemoryWatch = { service, baseline: [], samples: [], stop: async () => {} };
  if (!control.pid) {
    watch.unavailable = `the backend cannot name ${service}'s process id, so its memory cannot be read`;
    return watch;
  }
  const pidOf = control.pid.bind(control);
  // The pid is asked for again only when its /proc entry stops answering (a restart): on containers each
  // ask is a call to the engine.
  let pid: number | undefined;
  const read = async (): Promise<MemorySample | undefined> => {
    pid ??= await pidOf();
    if (pid === undefined) return undefined;
    return { at: Date.now(), rssBytes: await residentBytes(pid) };
  };
  const sample = async (): Promise<MemorySample | undefined> => {
    try {
      return await read().catch(() => {
        pid = undefined;
        return read();
      });
    } catch (error) {
      watch.unavailable = `${service}'s memory could not be read: ${(error as Error).message}`;
      return undefined;
    }
  };
  for (let i = 0; i < 3; i++) {
    const s = await sample();
    if (s) watch.baseline.push(s);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const s = await sample();
      if (s) watch.samples.push(s);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    const last = await sample();
    if (last) watch.samples.push(last);
  })();
  watch.stop = async () => {
    stopped = true;
    await loop;
  };
  return watch;
}
