import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Removable } from '../../cleanup/residue.ts';
import { residue } from '../../cleanup/residue.ts';
import type { Environment } from '../../env/environment.ts';
import type { FaultSpec } from '../ledger.ts';
import { type OperationsSource, trafficInto } from '../process/felt.ts';
import { serviceProcesses } from './bounds.ts';
import { alive, openFiles, openFilesLimit } from './procfs.ts';

// File-handle exhaustion: the service's open-files limit (RLIMIT_NOFILE) lowered, live, with prlimit, below
// the number of files it holds open (the soft limit, the one the kernel enforces) — every descriptor it has stays open, and every new one (an accepted
// connection, a file, a socket to a dependency) fails with EMFILE until the limit is put back. The proof is
// the kernel's: /proc/<pid>/limits read back below /proc/<pid>/fd's count. The undo puts back the limits it
// found and reads them back; an interrupt does too (the run's residue).

const run = promisify(execFile);
const PRLIMIT = 'prlimit';

async function setLimit(pid: number, soft: string, hard: string): Promise<void> {
  const value = (v: string) => (v === 'unlimited' ? 'unlimited' : v);
  await run(PRLIMIT, [`--pid=${pid}`, `--nofile=${value(soft)}:${value(hard)}`]).catch((error: Error) => {
    throw new Error(
      `prlimit could not set the open-files limit of pid ${pid} to ${soft}:${hard}: ${error.message}`,
    );
  });
}

export function openFilesExhaustion(
  env: Environment,
  targets: readonly string[],
  options: { phrase: string; durationMs?: number; operations?: OperationsSource },
): FaultSpec {
  const found = new Map<number, { service: string; soft: string; hard: string }>();
  const traffic = trafficInto(env, targets, 'open-files limit', options.operations);
  const sweep: Removable = { remove: () => restore() };
  const restore = async () => {
    const failures: string[] = [];
    for (const [pid, was] of found) {
      // A process that exited (killed, restarted) took its limit with it.
      if (!alive(pid)) continue;
      try {
        await setLimit(pid, was.soft, was.hard);
        const now = openFilesLimit(pid);
        if (now.soft !== was.soft || now.hard !== was.hard)
          failures.push(
            `${was.service} (pid ${pid}) reads ${now.soft}:${now.hard}, not ${was.soft}:${was.hard}`,
          );
      } catch (error) {
        if (alive(pid)) failures.push((error as Error).message);
      }
    }
    if (failures.length > 0) throw new Error(`open-files limits not put back: ${failures.join('; ')}`);
    residue.deleteElsewhere(sweep);
  };
  return {
    kind: 'open-files',
    description: `the open-files limit of ${options.phrase} lowered below its use`,
    targets: [...targets],
    durationMs: options.durationMs,
    async apply() {
      residue.addElsewhere(sweep);
      const evidence: string[] = [];
      for (const t of targets) {
        const pids = await serviceProcesses(env, t, 'an open-files limit');
        for (const pid of pids) {
          const was = openFilesLimit(pid);
          const using = openFiles(pid);
          const lowered = Math.max(1, using - 1);
          found.set(pid, { service: t, ...was });
          // The soft limit is the one EMFILE is judged by; the hard one stays, so the undo may raise the
          // soft limit back without CAP_SYS_RESOURCE (a runner in a container may be root without it).
          await setLimit(pid, String(lowered), was.hard);
          const now = openFilesLimit(pid);
          if (Number(now.soft) >= using)
            throw new Error(
              `the open-files limit had no effect: ${t} (pid ${pid}) holds ${using} files and its limit reads ${now.soft}`,
            );
          evidence.push(
            `${t} (pid ${pid}): holds ${using} open files; its limit lowered from ${was.soft}:${was.hard} to ${now.soft}:${now.hard} (/proc/${pid}/limits): no new file or connection can open`,
          );
        }
      }
      await traffic.begin();
      return evidence;
    },
    felt: () => traffic.felt(),
    undo: restore,
  };
}
