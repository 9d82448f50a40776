import type { Environment } from '../env/environment.ts';
import type { System } from '../env/system.ts';
import { groupMembers, service } from '../env/topology.ts';
import { probe } from '../faults/probe.ts';

/**
 * Pre-flight: refuse to start an experiment on a system that is not healthy. Every member of the group must
 * be registered and healthy as the coordinator sees it, and answer through the very link a fault will cut.
 */
export async function awaitSteadyState(
  env: Environment,
  system: System,
  coordinator: string,
  group: string,
  count: number,
  timeoutMs = 30_000,
): Promise<string[]> {
  service(env.topology, coordinator);
  const members = groupMembers(env.topology, group);
  if (members.length !== count)
    throw new Error(`the topology has ${members.length} ${group}, the step asked for ${count}`);
  const deadline = Date.now() + timeoutMs;
  let healthy: string[] = [];
  while (Date.now() < deadline) {
    healthy = await system.healthyMembers(env, coordinator, group).catch(() => []);
    if (members.every((m) => healthy.includes(m))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const missing = members.filter((m) => !healthy.includes(m));
  if (missing.length > 0)
    throw new Error(
      `steady state not reached within ${timeoutMs} ms: ${coordinator} sees ${healthy.length}/${count} healthy ${group} (missing: ${missing.join(', ')})`,
    );
  const evidence = [`${coordinator} sees ${healthy.length} healthy ${group}: ${healthy.join(', ')}`];
  for (const member of members) {
    const result = await probe(
      env.topology.probes[member] ?? 'http',
      env.linkEndpoint(coordinator, member),
      2_000,
    );
    if (!result.replied)
      throw new Error(
        `steady state: ${member} does not answer ${coordinator} through its link (${result.detail})`,
      );
    evidence.push(`${coordinator} → ${member} answers through the fault proxy in ${result.ms} ms`);
  }
  return evidence;
}
