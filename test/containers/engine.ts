import { type ChildProcess, spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { engineReachable, LABEL, runtime } from '../../support/env/containers/runtime.ts';
import { poll } from '../../support/poll.ts';

// Shared by the containers tests: they need a Docker engine. Without one they skip with a message (so
// `npm test` passes on a laptop without Docker), unless FAULTLINE_REQUIRE_DOCKER=1 (CI) makes that a failure.

const reachable = engineReachable(5_000);

export async function needsEngine(t: TestContext): Promise<boolean> {
  if (await reachable) return true;
  const message =
    'no Docker engine reachable (DOCKER_HOST or /var/run/docker.sock): the containers backend is not tested';
  if (process.env.FAULTLINE_REQUIRE_DOCKER === '1')
    throw new Error(`${message}, but FAULTLINE_REQUIRE_DOCKER=1`);
  t.skip(message);
  return false;
}

/**
 * Names of containers and networks carrying a faultline label with this value (`docker ps -a --filter
 * label=…`); `also` adds more `label=value` filters, all of which must match.
 */
export async function labelled(
  label: string,
  value?: string,
  also: string[] = [],
): Promise<{ containers: string[]; networks: string[] }> {
  const client = await runtime();
  const docker = client.container.dockerode;
  const filter = JSON.stringify({ label: [value === undefined ? label : `${label}=${value}`, ...also] });
  const containers = await docker.listContainers({ all: true, filters: filter });
  const networks = await docker.listNetworks({ filters: filter });
  return {
    containers: containers.map((c) => c.Names?.[0]?.replace(/^\//, '') ?? c.Id),
    networks: networks.map((n) => n.Name),
  };
}

export async function until(
  predicate: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<boolean> {
  return (await poll(predicate, (held) => held, { everyMs: 100, timeoutMs })).held;
}

export { LABEL };

/**
 * A separate faultline process running `code` (an ES module body that ends by printing `RUN <run id>` and
 * staying alive): a run that can be killed with SIGKILL to leave its containers behind. `run` resolves with
 * its run id, or rejects with its output if it exits first.
 */
export function leftoverProcess(code: string): { child: ChildProcess; run: Promise<string> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const run = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const found = output.match(/RUN (\S+)/);
      if (found) resolve(found[1]!);
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('exit', (code) =>
      reject(new Error(`the leftover run exited (${code}) before it was ready:\n${output}`)),
    );
  });
  return { child, run };
}
