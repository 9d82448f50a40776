import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mountsUnder } from '../../support/cleanup/mounts.ts';
import { engineReachable, LABEL, runIdOf } from '../../support/env/containers/runtime.ts';
import { ToxiproxyClient } from '../../support/proxy/client.ts';
import { type RunningProxyServer, startProxyServer } from '../../support/proxy/server.ts';
import { type CucumberRun, runCucumber } from './cucumber-run.ts';
import {
  groupsOfRun,
  listeningPortsOf,
  processesOf,
  processesOfRun,
  resolverOverrides,
  resolversOf,
  stillAlive,
  stillListening,
  stillResolving,
  storeUsersLeft,
  until,
} from './residue.ts';

// One interrupted run, as the interrupt tests (interrupt.test.ts: every moment of an experiment;
// interrupt-start.test.ts: the first second of a run, on a loaded machine) strike it: started in its own temp
// root with a marker every process of it inherits, signalled, then checked for what it left — processes,
// listening ports, temp dirs, proxies and toxics in an external fault proxy, containers.

/** The moment was over (the run had finished) before the signal could be sent: nothing was tested. */
export class TooLate extends Error {}

/** A run's own temp root (its TMPDIR) in `work`, reachable by the postgres account. */
export function tempRoot(work: string, name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  return dir;
}

let engine: Promise<boolean> | undefined;

async function noContainersOf(runId: string): Promise<string[]> {
  engine ??= engineReachable(5_000);
  if (!(await engine)) {
    if (process.env.FAULTLINE_REQUIRE_DOCKER === '1')
      throw new Error('no Docker engine reachable, but FAULTLINE_REQUIRE_DOCKER=1');
    return [];
  }
  const { labelled } = await import('../containers/engine.ts');
  const left = await labelled(LABEL.run, runId);
  return [...left.containers, ...left.networks];
}

export interface Target {
  run: CucumberRun;
  /** The environment entry (NAME=value) every process of the run carries. */
  marker: string;
  /** The run's TMPDIR: empty once it is over. */
  tmp: string;
  /** The external fault proxy the run uses (FAULTLINE_TOXIPROXY_URL), if any. */
  proxy: RunningProxyServer | undefined;
  runId: string;
  /** True once the runner process exited. */
  exited(): boolean;
}

/**
 * Starts cucumber-js with `args` in its own temp root under `work` (Postgres must reach it), and with an
 * external fault proxy when asked. Stop it with `strike`, and always `release` it.
 */
export async function startTarget(
  work: string,
  name: string,
  args: string[],
  opts: { externalProxy: boolean; seed: number },
): Promise<Target> {
  const marker = `FAULTLINE_TEST_RUN=${process.pid}-${name}-${Date.now()}`;
  const tmp = tempRoot(work, name);
  const proxy = opts.externalProxy
    ? await startProxyServer({ host: '127.0.0.1', port: 0, seed: opts.seed })
    : undefined;
  const run = runCucumber(args, {
    FAULTLINE_TEST_RUN: marker.split('=')[1],
    TMPDIR: tmp,
    ...(proxy ? { FAULTLINE_TOXIPROXY_URL: proxy.url } : {}),
  });
  let exited = false;
  void run.done.then(() => {
    exited = true;
  });
  return { run, marker, tmp, proxy, runId: runIdOf(run.child.pid!), exited: () => exited };
}

/**
 * Sends `signal` to the running target (TooLate when it had already finished), waits for it to exit, and
 * asserts it left nothing; says what was running at the signal.
 */
export async function strike(target: Target, signal: 'SIGINT' | 'SIGTERM', where: string): Promise<string> {
  const { run, marker, tmp, proxy } = target;
  const processes = processesOfRun(run.child.pid!, marker);
  const pids = processes.map((p) => p.pid);
  const ports = listeningPortsOf(pids);
  // faultline's resolver (a DNS fault's): its UDP sockets on port 53, and the services' private resolv.conf.
  const resolvers = resolversOf(pids);
  const overridden = resolverOverrides(tmp).length;
  const proxiesAtSignal = proxy ? (await new ToxiproxyClient(proxy.url).proxies()).length : 0;
  if (target.exited())
    throw new TooLate(`the run ended before the signal ${where}:\n${run.output().slice(-3000)}`);
  run.child.kill(signal);
  const result = await run.done;
  assert.ok(
    result.code !== 0 || result.signal !== null,
    `a run stopped by ${signal} must not exit 0:\n${result.output}`,
  );
  const left = () => [...new Set([...stillAlive(processes), ...processesOf(marker)])];
  const gone = await until(() => left().length === 0, 5_000);
  assert.ok(gone, `processes left behind: ${left().join(', ')}\n${result.output}`);
  assert.deepEqual(stillListening(ports, pids, marker), [], `ports still listening:\n${result.output}`);
  // A data disk (a tmpfs in a temp dir) unmounted, not only its directory gone from view.
  assert.deepEqual(mountsUnder(tmp), [], `data disks still mounted:\n${result.output}`);
  assert.deepEqual(readdirSync(tmp), [], `temp dirs left behind:\n${result.output}`);
  assert.deepEqual(stillResolving(resolvers), [], `faultline's resolver still listening:\n${result.output}`);
  assert.deepEqual(resolverOverrides(tmp), [], `a private resolv.conf still mounted:\n${result.output}`);
  assert.deepEqual(storeUsersLeft(result.output), [], `a store user left changed:\n${result.output}`);
  // A resource fault's groups (the processes moved back, the hog and holder among the processes above).
  assert.deepEqual(groupsOfRun(pids), [], `resource groups (cgroups) left behind:\n${result.output}`);
  if (proxy) {
    const held = await new ToxiproxyClient(proxy.url).proxies();
    assert.deepEqual(
      held.map((p) => `${p.name} (${p.toxics.map((t) => t.name).join(', ') || 'no toxics'})`),
      [],
      `the external fault proxy still holds these:\n${result.output}`,
    );
  }
  assert.deepEqual(await noContainersOf(target.runId), [], 'containers or networks of the run left behind');
  const dns =
    resolvers.length > 0 ? `, resolver on ${resolvers.join(' ')} (${overridden} private resolv.conf)` : '';
  return `${pids.length} processes, ${ports.length} listening ports${dns}${proxy ? `, ${proxiesAtSignal} proxies in the external fault proxy` : ''} at the signal; exit ${result.code ?? result.signal}; nothing left`;
}

/** Kills what an assertion left running, and closes the external fault proxy. */
export async function release(target: Target): Promise<void> {
  target.run.child.kill('SIGKILL'); // only matters when an assertion failed before the run ended
  await target.proxy?.close();
}
