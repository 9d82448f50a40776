import type { Environment } from '../env/environment.ts';
import { probe } from './probe.ts';

const PROBE_MS = 5_000;

/**
 * After rollback the environment must be as the scenario found it: the fault proxy holds no toxic, every
 * link is enabled, and every service is running and answers its own protocol directly (not through the
 * proxy) — a paused process is alive but silent. Anything else is named.
 */
export async function verifyClean(env: Environment, probeMs = PROBE_MS): Promise<string[]> {
  const problems: string[] = [];
  try {
    for (const proxy of await env.toxiproxy.proxies()) {
      if (!proxy.enabled) problems.push(`link ${proxy.name} is still disabled`);
      for (const toxic of proxy.toxics)
        problems.push(`link ${proxy.name} still has toxic ${toxic.name} (${toxic.type})`);
    }
  } catch (error) {
    problems.push(`could not read the fault proxy's state: ${(error as Error).message}`);
  }
  problems.push(...(await unhealthyServices(env, probeMs)));
  return problems;
}

async function unhealthyServices(env: Environment, probeMs: number): Promise<string[]> {
  const found = await Promise.all(
    env.topology.services.map(async ({ name }): Promise<string | undefined> => {
      try {
        if (!env.control(name).alive()) return `service ${name} is not running`;
        const result = await probe(env.topology.probes[name] ?? 'http', env.endpoint(name), probeMs);
        return result.replied
          ? undefined
          : `service ${name} is running but does not answer (${result.detail})`;
      } catch (error) {
        return `service ${name} could not be checked: ${(error as Error).message}`;
      }
    }),
  );
  return found.filter((p) => p !== undefined);
}
