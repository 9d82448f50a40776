import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { residue } from '../../cleanup/residue.ts';

// A process of faultline's that holds N bytes of memory inside a service's group (memory pressure). It is
// started waiting for a line on stdin, moved into the group, and only then allocates — memory is charged to
// the group a process is in when it touches a page — writing to every page so the kernel really backs it.
// It answers "held" once it holds everything. Registered with the run's residue (an interrupt kills it)
// and it dies with the runner (parent-death signal, where setpriv exists).

const SETPRIV = '/usr/bin/setpriv';
const HELD_WAIT_MS = 15_000;

const SCRIPT = `
const chunks = [];
process.stdin.once('data', (line) => {
  const bytes = Number(String(line).trim());
  const MB = 1 << 20;
  for (let left = bytes; left > 0; left -= MB) {
    const b = Buffer.allocUnsafeSlow(Math.min(MB, left));
    b.fill(0x5a);
    chunks.push(b);
  }
  process.stdout.write('held ' + bytes + '\\n');
  setInterval(() => {}, 1 << 30);
});
`;

export interface Holder {
  pid: number;
  /** Whether it is alive and holding (it answered "held" and has not exited). */
  holding(): boolean;
  /** How it ended, for the evidence. */
  ended(): string;
  stop(): Promise<void>;
}

export async function holdMemory(bytes: number, join: (pid: number) => void): Promise<Holder> {
  const argv = [process.execPath, '-e', SCRIPT];
  const command = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...argv] : argv;
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the memory holder');
  let held = false;
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = signal
        ? `killed by ${signal}${signal === 'SIGKILL' ? ' (the OOM killer)' : ''}`
        : `exited ${code}`;
      resolve();
    }),
  );
  const answered = new Promise<void>((resolve) =>
    child.stdout?.on('data', (d: Buffer) => {
      if (String(d).startsWith('held')) {
        held = true;
        resolve();
      }
    }),
  );
  const holder: Holder = {
    pid,
    holding: () => held && exit === undefined,
    ended: () => exit ?? (held ? 'still holding' : 'never answered'),
    async stop() {
      if (exit === undefined) child.kill('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      residue.deleteProcess(holder);
    },
  };
  residue.addProcess(holder);
  try {
    join(pid);
  } catch (error) {
    await holder.stop();
    throw error;
  }
  child.stdin?.write(`${bytes}\n`);
  await Promise.race([answered, exited, new Promise((r) => setTimeout(r, HELD_WAIT_MS))]);
  return holder;
}
