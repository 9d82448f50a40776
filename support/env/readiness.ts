import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { request } from 'undici';
import { until } from '../poll.ts';
import { describeReadiness } from '../system/readiness.ts';
import type { Endpoint, Readiness } from '../system/topology.ts';

// Waits until a started service meets its declared readiness strategy. A process that dies meanwhile, or
// a strategy that never holds, fails with the strategy it waited for and the service's last output.

export interface Waitable {
  name: string;
  /** Where the harness reaches its main port. */
  endpoint: Endpoint;
  alive(): boolean;
  /** Its output so far (lines). */
  lines(): string[];
  /** Why it is not alive, when it is not. */
  exit?(): string;
  cwd?: string;
}

const POLL_MS = 50;

function portOpen({ host, port }: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function httpAnswers({ host, port }: Endpoint, path: string, status: number[]): Promise<string | true> {
  try {
    const response = await request(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(1_000) });
    await response.body.dump();
    return status.includes(response.statusCode) ? true : `answered ${response.statusCode}`;
  } catch (error) {
    return (error as Error).message;
  }
}

function commandSucceeds(command: string[], cwd?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('error', () => resolve(false));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

const tail = (s: Waitable, count = 15) =>
  s
    .lines()
    .slice(-count)
    .map((l) => `  [${s.name}] ${l}`)
    .join('\n') || '  (no output)';

/** Resolves once `target` is ready by `readiness`; rejects naming the strategy and showing its output. */
export async function awaitReady(target: Waitable, readiness: Readiness): Promise<void> {
  let last = '';
  let checked = 0;
  // A process that died is checked before every attempt: it ends the wait at once (the attempt throws).
  const attempt = async (): Promise<boolean> => {
    if (!target.alive())
      throw new Error(
        `${target.name} exited before it was ready (waiting for ${describeReadiness(readiness)})${target.exit ? `: ${target.exit()}` : ''}\n${tail(target)}`,
      );
    let ready: boolean;
    switch (readiness.kind) {
      case 'port':
        ready = await portOpen(target.endpoint);
        break;
      case 'http': {
        const answer = await httpAnswers(target.endpoint, readiness.path, readiness.status);
        ready = answer === true;
        if (answer !== true) last = answer;
        break;
      }
      case 'log': {
        const lines = target.lines();
        ready = lines.slice(checked).some((l) => readiness.pattern.test(l));
        checked = lines.length;
        break;
      }
      case 'command':
        ready = await commandSucceeds(readiness.command, target.cwd);
        break;
    }
    return ready;
  };
  if (await until(attempt, { everyMs: POLL_MS, timeoutMs: readiness.timeoutMs })) return;
  throw new Error(
    `${target.name} was not ready within ${readiness.timeoutMs} ms: waited for ${describeReadiness(readiness)}${last ? ` (last: ${last})` : ''}\n${tail(target)}`,
  );
}
