import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { processStartTime } from '../env/containers/runtime.ts';

// Where a running game day can be found: `faultline up` writes this small file, `fault`, `undo`, `status`
// and `down` read it. It names the `up` process (pid and kernel start time, so a recycled pid is not
// mistaken for it) and its control socket; the socket itself lives in a temp dir the `up` process owns, which
// the start-of-run sweep removes if that process is SIGKILLed. One game day per project directory by default;
// --state (or FAULTLINE_GAMEDAY_STATE) names another file, e.g. for two systems side by side.

export interface GameDayState {
  pid: number;
  /** The `up` process's kernel start time (with the pid, it names that one process). */
  startTime: string;
  /** The unix socket of its control channel. */
  socket: string;
  cwd: string;
  system: string;
  backend: string;
  startedAt: string;
  proxy: string;
  services: { name: string; kind: string; address: string }[];
  links: { from: string; to: string; port?: string; proxy: string; address: string }[];
}

/** The state file for this project directory: --state, else FAULTLINE_GAMEDAY_STATE, else one per directory. */
export function statePath(given: string | undefined, cwd = process.cwd()): string {
  const chosen = given ?? process.env.FAULTLINE_GAMEDAY_STATE;
  if (chosen) return resolve(cwd, chosen);
  const project = createHash('sha256').update(resolve(cwd)).digest('hex').slice(0, 12);
  const user = process.getuid?.() ?? 'user';
  return join(tmpdir(), `faultline-gameday-${user}-${project}.json`);
}

/** Whether the process the state names is still that process. */
export function isRunning(state: Pick<GameDayState, 'pid' | 'startTime'>): boolean {
  return processStartTime(state.pid) === state.startTime;
}

export class NoGameDay extends Error {}

/** The running game day, or a NoGameDay naming the file looked at (a stale file, its process gone, is removed). */
export function readState(path: string): GameDayState {
  if (!existsSync(path))
    throw new NoGameDay(
      `no game day is up here (no state file ${path}): start one with \`npx faultline up\` in this directory, or name its file with --state`,
    );
  let state: GameDayState;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as GameDayState;
  } catch (error) {
    throw new NoGameDay(`the state file ${path} cannot be read: ${(error as Error).message}`);
  }
  if (!isRunning(state)) {
    rmSync(path, { force: true });
    throw new NoGameDay(
      `the game day of ${path} is no longer running (its \`faultline up\`, pid ${state.pid}, is gone); the stale state file was removed — its leftovers go at the next start`,
    );
  }
  return state;
}

/** Written whole or not at all (a reader never sees half a file), readable by its owner only. */
export function writeState(path: string, state: GameDayState): void {
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, path);
}

/** Removes the state file if it still names this process (another `up` may have taken the path since). */
export function removeOwnState(path: string): void {
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as GameDayState;
    if (state.pid === process.pid) rmSync(path, { force: true });
  } catch {
    // gone already, or not ours
  }
}
