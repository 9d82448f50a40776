import type { Environment } from '../env/environment.ts';
import { probe } from '../faults/probe.ts';
import { poll } from '../poll.ts';
import { requireAdapter, type System } from '../system/system.ts';
import {
  type Endpoint,
  groupMembers,
  type ProbeKind,
  probeKind,
  proxyName,
  service,
} from '../system/topology.ts';

const PROBE_MS = 2_000;

/**
 * Pre-flight for any system: every service answers its protocol through every link into it — the very
 * listeners a fault will cut — and a service nothing links to answers directly. Polled until `timeoutMs`
 * (a service may take a moment after its readiness to serve through the proxy); refuses to start otherwise.
 */
export async function awaitServicesAnswer(env: Environment, timeoutMs = 30_000): Promise<string[]> {
  if (env.withoutLinks !== undefined) return awaitDirectAnswers(env, timeoutMs);
  const { topology } = env;
  const targets = topology.services.flatMap((s) => {
    const inbound = topology.links.filter((l) => l.to === s.name);
    if (inbound.length > 0)
      return inbound.map((l) => ({
        what: `${l.from} → ${l.to}${l.port ? `:${l.port}` : ''} through ${proxyName(l)}`,
        kind: probeKind(topology, l),
        at: () => env.linkEndpoint(l.from, l.to, l.port),
      }));
    return [
      { what: `${s.name} directly`, kind: topology.probes[s.name] ?? 'http', at: () => env.endpoint(s.name) },
    ];
  });
  return probeUntilAnswered(targets, timeoutMs);
}

/**
 * A backend without proxy links (kubernetes): each service answers at the address the backend gives
 * (the config's url). A service the harness cannot reach is named in the evidence as not probed — its
 * pods were found running when the backend came up — and when no service can be reached at all, there is
 * no steady state to start from.
 */
async function awaitDirectAnswers(env: Environment, timeoutMs: number): Promise<string[]> {
  const targets: Target[] = [];
  const unreached: string[] = [];
  for (const s of env.topology.services) {
    try {
      const at = env.endpoint(s.name);
      targets.push({
        what: `${s.name} at ${at.host}:${at.port}`,
        kind: env.topology.probes[s.name] ?? 'http',
        at: () => at,
      });
    } catch (error) {
      unreached.push(`${s.name}: not probed (${(error as Error).message})`);
    }
  }
  if (targets.length === 0)
    throw new Error(
      `steady state cannot be checked: the harness reaches no service (${env.withoutLinks}):\n- ${unreached.join('\n- ')}`,
    );
  return [...(await probeUntilAnswered(targets, timeoutMs)), ...unreached];
}

interface Target {
  what: string;
  kind: ProbeKind;
  at: () => Endpoint;
}

async function probeUntilAnswered(targets: Target[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const evidence: string[] = [];
  for (const t of targets) {
    const { held, value: result } = await poll(
      () => probe(t.kind, t.at(), PROBE_MS),
      (r) => r.replied,
      { everyMs: 100, deadline },
    );
    if (!held)
      throw new Error(
        `steady state not reached within ${timeoutMs} ms: ${t.what} does not answer a ${t.kind} probe (${result.detail}); declare the service's protocol if it does not speak ${t.kind}`,
      );
    evidence.push(`${t.what}: ${t.kind} probe answered in ${result.ms} ms`);
  }
  return evidence;
}

/**
 * Pre-flight of a coordinated group: every member of the group must be registered and healthy as the
 * coordinator sees it (the system's `healthyMembers`), and every service answer through its links.
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
  const healthyMembers = requireAdapter(
    system,
    'healthyMembers',
    `"a healthy ${coordinator} with ${count} registered ${group}"`,
  );
  const deadline = Date.now() + timeoutMs;
  const { value: healthy } = await poll(
    () => healthyMembers(env, coordinator, group).catch((): string[] => []),
    (seen) => members.every((m) => seen.includes(m)),
    { everyMs: 100, deadline },
  );
  const missing = members.filter((m) => !healthy.includes(m));
  if (missing.length > 0)
    throw new Error(
      `steady state not reached within ${timeoutMs} ms: ${coordinator} sees ${healthy.length}/${count} healthy ${group} (missing: ${missing.join(', ')})`,
    );
  return [
    `${coordinator} sees ${healthy.length} healthy ${group}: ${healthy.join(', ')}`,
    ...(await awaitServicesAnswer(env, Math.max(2_000, deadline - Date.now()))),
  ];
}
