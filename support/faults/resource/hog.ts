import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { residue } from '../../cleanup/residue.ts';
import { processTree } from './procfs.ts';

// A process that burns one CPU at 100 %, started inside a service's group: stress-ng (`--cpu 1 --cpu-load
// 100`, pinned with taskset) where the machine has it (the project's setup installs it), else a busy loop
// of the runner's own Node. It is started held: a shell waits for one line on stdin, so it is moved into the
// group first and everything it then execs and forks is born there. Registered with the run's residue, so
// an interrupt kills it; it also dies with the runner (parent-death signal, when setpriv exists).

const STRESS_NG = '/usr/bin/stress-ng';
const SETPRIV = '/usr/bin/setpriv';

export interface Hog {
  pid: number;
  /** What runs (stress-ng or the busy loop), for the evidence. */
  what: string;
  /** The hog and every process it forked. */
  pids(): number[];
  stop(): Promise<void>;
}

export async function startHog(cpu: number, join: (pid: number) => void): Promise<Hog> {
  const stress = existsSync(STRESS_NG);
  const command = stress
    ? `exec taskset -c ${cpu} ${STRESS_NG} --cpu 1 --cpu-load 100 --timeout 600s --quiet`
    : `exec taskset -c ${cpu} "${process.execPath}" -e 'for(;;){}'`;
  const argv = existsSync(SETPRIV)
    ? [SETPRIV, '--pdeathsig', 'KILL', '--', '/bin/sh', '-c', `read go; ${command}`]
    : ['/bin/sh', '-c', `read go; ${command}`];
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the CPU hog (${argv.join(' ')})`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let tree: number[] = [pid];
  const hog: Hog = {
    pid,
    what: stress ? 'stress-ng --cpu 1 --cpu-load 100' : 'a busy loop (stress-ng is not installed)',
    pids: () => {
      const now = processTree(pid);
      if (now.length > 0) tree = now;
      return now;
    },
    async stop() {
      // stress-ng's workers are its children: every one of them goes, not just the parent.
      for (const p of [...new Set([...tree, ...processTree(pid)])])
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone already
        }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      residue.deleteProcess(hog);
    },
  };
  residue.addProcess(hog);
  try {
    join(pid);
  } catch (error) {
    await hog.stop();
    throw error;
  }
  child.stdin?.end('go\n');
  // stress-ng forks its worker a moment after it starts.
  for (let i = 0; i < 50 && hog.pids().length < (stress ? 2 : 1); i++)
    await new Promise((r) => setTimeout(r, 20));
  return hog;
}
