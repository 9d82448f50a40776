import { request } from 'node:http';
import { connect } from 'node:net';
import type Dockerode from 'dockerode';
import type { BoundPorts, WaitStrategy } from 'testcontainers';
import { until } from '../../poll.ts';
import type { Readiness } from '../../system/topology.ts';
import { runtime } from './runtime.ts';

// A declared service's readiness as a Testcontainers wait strategy. Log uses Testcontainers' own (it gives
// up when the stream ends). Port, HTTP and command are checked here: Testcontainers' versions keep polling a
// container that has exited until their timeout, where a service that dies at once (a missing program, a
// crash on start) must fail at once, as it does on the local backend; and its HTTP wait polls once a second
// (its interval is its read timeout), so a service ready in 400 ms counted as ready after a second.

const POLL_MS = 100;

/** Polls `check` until it holds, the container exits, or the startup timeout passes. */
class UntilExit implements WaitStrategy {
  private timeoutMs = 60_000;
  private timeoutSet = false;

  private readonly check: (container: Dockerode.Container, ports: BoundPorts) => Promise<boolean>;

  constructor(check: (container: Dockerode.Container, ports: BoundPorts) => Promise<boolean>) {
    this.check = check;
  }

  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }

  async waitUntilReady(container: Dockerode.Container, ports: BoundPorts): Promise<void> {
    const ready = await until(
      async () => {
        const state = (await container.inspect()).State;
        if (!state.Running)
          throw new Error(`the container exited (code ${state.ExitCode}) before it was ready`);
        // Checked again after a pass: a check can pass on a container that exited meanwhile (the engine's
        // port forwarder accepts for it; an exec into it fails like a missing shell).
        return (await this.check(container, ports)) && (await container.inspect()).State.Running;
      },
      { everyMs: POLL_MS, timeoutMs: this.timeoutMs },
    );
    if (!ready) throw new Error(`not ready after ${this.timeoutMs} ms`);
  }
}

/**
 * A connection to the mapped port that stays open: the engine's port forwarder accepts on the host before
 * anything listens inside, then closes at once when it cannot reach the container's port. `linger` is how
 * long a connection must stay open to count (0: accepting is enough).
 */
function hostPortOpen(host: string, port: number, linger: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host === 'localhost' ? '127.0.0.1' : host);
    let timer: NodeJS.Timeout | undefined;
    const done = (open: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => {
      if (linger === 0) done(true);
      else timer = setTimeout(() => done(true), linger);
    });
    socket.once('close', () => done(false));
    socket.once('end', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * The main port accepts a connection: through the mapped port (what the harness uses) and inside the
 * container (the engine's port forwarder accepts on the host before anything listens inside). The inside
 * check needs a shell; an image without one is judged from the host alone, by a connection that stays open.
 */
function portListens(port: number) {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let noShell = false;
  return async (container: Dockerode.Container, ports: BoundPorts): Promise<boolean> => {
    const client = await runtime();
    const host = client.info.containerRuntime.host;
    if (!(await hostPortOpen(host, ports.getBinding(port), noShell ? 200 : 0))) return false;
    if (noShell) return true;
    let exitCode: number;
    try {
      const probe = `cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '{print $2}' | grep -qi ':${hex}$'`;
      exitCode = (await client.container.exec(container, ['/bin/sh', '-c', probe], { log: false })).exitCode;
    } catch {
      return false;
    }
    if (exitCode === 126 || exitCode === 127) {
      noShell = true;
      return hostPortOpen(host, ports.getBinding(port), 200);
    }
    return exitCode === 0;
  };
}

/**
 * `GET path` on the mapped main port answers with one of `statuses` (within a second). The engine's port
 * forwarder accepts before anything listens inside and then closes: that is no answer, and is polled again.
 */
function httpAnswers(path: string, statuses: number[], port: number) {
  return async (_container: Dockerode.Container, ports: BoundPorts): Promise<boolean> => {
    const client = await runtime();
    const host = client.info.containerRuntime.host;
    return new Promise((resolve) => {
      const call = request(
        { host: host === 'localhost' ? '127.0.0.1' : host, port: ports.getBinding(port), path, agent: false },
        (response) => {
          response.resume();
          resolve(statuses.includes(response.statusCode ?? 0));
        },
      );
      call.setTimeout(1_000, () => call.destroy());
      call.once('error', () => resolve(false));
      call.end();
    });
  };
}

/** The command, run in the container (its user, its working directory), exits 0. */
function commandSucceeds(command: string[]) {
  return async (container: Dockerode.Container): Promise<boolean> => {
    const client = await runtime();
    try {
      return (await client.container.exec(container, command, { log: false })).exitCode === 0;
    } catch {
      return false;
    }
  };
}

/** The declared strategy for a service whose main port inside its container is `port`. */
export async function waitStrategy(readiness: Readiness, port: number): Promise<WaitStrategy> {
  const { Wait } = await import('testcontainers');
  switch (readiness.kind) {
    case 'port':
      return new UntilExit(portListens(port));
    case 'http':
      return new UntilExit(httpAnswers(readiness.path, readiness.status, port));
    case 'log':
      return Wait.forLogMessage(readiness.pattern);
    case 'command':
      return new UntilExit(commandSucceeds(readiness.command));
  }
}
