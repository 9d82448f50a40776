import type { Environment, ServiceExit } from '../env/environment.ts';
import type { FaultRecord } from './ledger.ts';
import { probe } from './probe.ts';
import { replicationResidue } from './stores/replication.ts';

const PROBE_MS = 5_000;

/** Fault kinds that kill their target on purpose (and whose undo starts it again). */
const KILLS = [
  'crash',
  'terminate',
  'restart',
  'chaos-monkey',
  'replica-failure',
  'failover',
  'stop',
  'restart-empty',
  // An OOM kill under a memory cap is the fault's doing; its undo brings the service back.
  'memory-limit',
];

/** What the check after rollback found: the system's own failures apart from the experiment's leftovers. */
export interface AfterRollback {
  /**
   * Services that exited during the experiment although no fault of this scenario killed them (or that a
   * kill fault's undo restarted and that died again): the system failing under the experiment — a product
   * finding, not a rollback problem.
   */
  findings: string[];
  /** What the rollback left behind: toxics, disabled links, services ours killed and did not bring back, silent ones. */
  problems: string[];
}

/**
 * After rollback the environment must be as the scenario found it: the fault proxy holds no toxic, every
 * link is enabled, and every service is running and answers its own protocol directly (not through the
 * proxy) — a paused process is alive but silent. Anything else is named; a service that died on its own is
 * told apart from one our own kill left dead, by the fault ledger and the time it exited.
 */
export async function inspectAfterRollback(
  env: Environment,
  faults: readonly FaultRecord[],
  probeMs = PROBE_MS,
): Promise<AfterRollback> {
  const result: AfterRollback = { findings: [], problems: [] };
  if (env.inspect) {
    result.problems.push(...(await env.inspect()));
    return result;
  }
  try {
    for (const proxy of await env.toxiproxy.proxies()) {
      if (!proxy.enabled) result.problems.push(`link ${proxy.name} is still disabled`);
      for (const toxic of proxy.toxics)
        result.problems.push(`link ${proxy.name} still has toxic ${toxic.name} (${toxic.type})`);
    }
  } catch (error) {
    result.problems.push(`could not read the fault proxy's state: ${(error as Error).message}`);
  }
  // One record per service, merged in topology order: the report lists them the same way every run.
  const perService = await Promise.all(
    env.topology.services.map(async (s) => {
      const found: AfterRollback = { findings: [], problems: [] };
      await inspectService(env, s.name, faults, probeMs, found);
      return found;
    }),
  );
  for (const found of perService) {
    result.findings.push(...found.findings);
    result.problems.push(...found.problems);
  }
  // A replica left promoted, or a link left on it, is a topology the next scenario did not ask for.
  result.problems.push(
    ...(await replicationResidue(env).catch((error: Error) => [
      `could not check the replicas: ${error.message}`,
    ])),
  );
  return result;
}

/** Everything inspectAfterRollback found, as one list (findings first). */
export async function verifyClean(
  env: Environment,
  probeMs = PROBE_MS,
  faults: readonly FaultRecord[] = [],
): Promise<string[]> {
  const { findings, problems } = await inspectAfterRollback(env, faults, probeMs);
  return [...findings, ...problems];
}

const describeExit = (exit: ServiceExit | undefined): string =>
  exit ? `code ${exit.code}, signal ${exit.signal}` : 'exit status not known';

/** The fault of ours that killed `name` and left it dead (its undo failed, or it died before the undo ended). */
function killedBy(name: string, exit: ServiceExit | undefined, faults: readonly FaultRecord[]) {
  return faults.find(
    (f) =>
      KILLS.includes(f.kind) &&
      f.targets.includes(name) &&
      (f.state !== 'undone' || exit === undefined || exit.at <= (f.stoppedAt ?? Number.POSITIVE_INFINITY)),
  );
}

async function inspectService(
  env: Environment,
  name: string,
  faults: readonly FaultRecord[],
  probeMs: number,
  into: AfterRollback,
): Promise<void> {
  try {
    const control = env.control(name);
    if (!control.alive()) {
      const exit = control.exited?.();
      const killer = killedBy(name, exit, faults);
      if (killer)
        into.problems.push(
          `service ${name} is not running (${describeExit(exit)}): the undo of "${killer.description}" did not bring it back${killer.undoError ? ` (${killer.undoError})` : ''}`,
        );
      else
        into.findings.push(
          `service ${name} exited during the experiment (${describeExit(exit)}) and was not brought back: no fault of this scenario killed it`,
        );
      return;
    }
    // A paused process is alive and silent; the kernel (or engine) says why, so the report can too.
    if (await control.paused()) {
      into.problems.push(`service ${name} is still paused (${control.incarnation()} is stopped)`);
      return;
    }
    const result = await probe(env.topology.probes[name] ?? 'http', env.endpoint(name), probeMs);
    if (!result.replied)
      into.problems.push(`service ${name} is running but does not answer (${result.detail})`);
  } catch (error) {
    into.problems.push(`service ${name} could not be checked: ${(error as Error).message}`);
  }
}
