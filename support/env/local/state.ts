import { readFile } from 'node:fs/promises';

// Whether a local process is stopped (SIGSTOP): read from the kernel, not remembered from the signal we
// sent — a pause fault proves its effect by it, and the clean check after rollback trusts only this.

/** The process state letter of /proc/<pid>/stat (R, S, D, T stopped, t traced, Z …), undefined if gone. */
export async function processState(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Stopped by a signal: state T (or t, stopped by a tracer). */
export async function isStopped(pid: number | undefined): Promise<boolean> {
  if (pid === undefined) return false;
  const state = await processState(pid);
  return state === 'T' || state === 't';
}
