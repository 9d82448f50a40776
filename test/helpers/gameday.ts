import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { runIdOf } from '../../support/env/containers/runtime.ts';
import { type RunningProxyServer, startProxyServer } from '../../support/proxy/server.ts';
import { ROOT } from '../features/cucumber-run.ts';
import { type Target, tempRoot } from '../features/interrupted.ts';
import { until } from '../features/residue.ts';

// A game day for tests: `faultline up` on the counter fixture (one Python service in front of Redis; the
// lightest system with links), in its own temp root with a marker every process of it inherits — the shape
// the interrupt tests' `strike` checks for residue — and the short commands run against its state file.

export const FAULTLINE = join(ROOT, 'bin', 'faultline.ts');
export const COUNTER = {
  FAULTLINE_CONFIG: 'fixtures/counter/faultline.config.ts',
  FAULTLINE_BACKEND: 'local',
};

export interface GameDayUnderTest extends Target {
  child: ChildProcess;
  state: string;
  /**
   * Runs `faultline <args>` against this game day, to completion — asynchronously: the external fault proxy
   * runs in the test's own event loop and must go on answering meanwhile.
   */
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** The `up` process's exit. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

export async function startGameDay(
  work: string,
  name: string,
  opts: { externalProxy?: boolean; proxyUrl?: string; args?: string[] } = {},
): Promise<GameDayUnderTest> {
  const marker = `FAULTLINE_TEST_RUN=${process.pid}-${name}-${Date.now()}`;
  const tmp = tempRoot(work, name);
  const state = join(work, `${name}.state.json`);
  const proxy: RunningProxyServer | undefined = opts.externalProxy
    ? await startProxyServer({ host: '127.0.0.1', port: 0, seed: 1 })
    : undefined;
  const env = {
    ...process.env,
    ...COUNTER,
    FAULTLINE_TEST_RUN: marker.split('=')[1],
    TMPDIR: tmp,
    FAULTLINE_GAMEDAY_STATE: state,
    ...(proxy ? { FAULTLINE_TOXIPROXY_URL: proxy.url } : {}),
    ...(opts.proxyUrl ? { FAULTLINE_TOXIPROXY_URL: opts.proxyUrl } : {}),
    FORCE_COLOR: '0',
  };
  const child = spawn(process.execPath, [FAULTLINE, 'up', ...(opts.args ?? [])], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  let exited = false;
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>(
    (resolve) =>
      child.once('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal, output });
      }),
  );
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [FAULTLINE, ...args],
        { cwd: ROOT, env, encoding: 'utf8' },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  return {
    child,
    state,
    cli,
    done,
    run: { child, output: () => output, done },
    marker,
    tmp,
    proxy,
    runId: runIdOf(child.pid!),
    exited: () => exited,
  };
}

/** Waits until `up` says it is ready; throws with its output when it exits or takes longer. */
export async function ready(gameDay: GameDayUnderTest, timeoutMs = 60_000): Promise<string> {
  const ok = await until(
    () => /faultline up: ready/.test(gameDay.run.output()) || gameDay.exited(),
    timeoutMs,
  );
  if (!ok || gameDay.exited()) throw new Error(`faultline up did not get ready:\n${gameDay.run.output()}`);
  return gameDay.run.output();
}
