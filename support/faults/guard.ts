import { isAbsolute, relative, resolve } from 'node:path';
import { residue } from '../cleanup/residue.ts';
import type { Environment } from '../env/environment.ts';
import { proxyName, service } from '../system/topology.ts';

// A fault harness pointed at the wrong thing is an outage, not an experiment. So a fault may only act on
// what the running topology is: a service it names, reached at an address this run started (loopback
// processes of the local backend, containers of the containers backend), through a fault proxy on this
// machine, or files in a directory this run created. Anything else is refused before anything is applied,
// unless the operator names it in FAULTLINE_ALLOW_TARGETS (deliberately, e.g. a staging Toxiproxy).

export const ALLOW_TARGETS = 'FAULTLINE_ALLOW_TARGETS';

export class TargetRefused extends Error {}

const ACCEPTED = `${ALLOW_TARGETS} takes a comma-separated list of hosts (10.0.0.5, toxiproxy.staging), host:port, directories (/srv/certs) or * for anything`;

function allowList(config: NodeJS.ProcessEnv): string[] {
  return (config[ALLOW_TARGETS] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}

function allowedAddress(host: string, port: number, config: NodeJS.ProcessEnv): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return allowList(config).some(
    (e) => e === '*' || e.toLowerCase() === h || e.toLowerCase() === `${h}:${port}`,
  );
}

/**
 * An address a fault acts on. Loopback is where the local backend starts everything; the containers backend
 * hands out only mapped ports of containers it started itself (labelled with the run), on whatever host the
 * engine publishes them.
 */
function guardAddress(
  env: Environment,
  what: string,
  host: string,
  port: number,
  config: NodeJS.ProcessEnv,
): void {
  if (isLoopback(host) || env.backend === 'containers' || allowedAddress(host, port, config)) return;
  throw new TargetRefused(
    `refusing to inject a fault into ${what} at ${host}:${port}: it is neither on this machine's loopback nor a container this run started. To allow it, set ${ALLOW_TARGETS}=${host} (${ACCEPTED})`,
  );
}

/** The fault proxy itself: ours, on loopback, unless FAULTLINE_TOXIPROXY_URL named another one. */
function guardProxy(env: Environment, config: NodeJS.ProcessEnv): void {
  const url = new URL(env.toxiproxy.url);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  guardAddress(env, `the fault proxy ${url.origin}`, url.hostname, port, config);
}

function guardMember(env: Environment, name: string): void {
  try {
    service(env.topology, name);
  } catch (error) {
    throw new TargetRefused(`refusing to inject a fault into '${name}': ${(error as Error).message}`);
  }
}

/** A service of the running topology, at an address this run started. */
export function guardService(env: Environment, name: string, config = process.env): void {
  guardMember(env, name);
  const at = env.endpoint(name);
  guardAddress(env, `service '${name}'`, at.host, at.port, config);
}

/** A link between two services of the topology, at a proxy this run started. */
export function guardLink(
  env: Environment,
  link: { from: string; to: string; port?: string },
  config = process.env,
): void {
  guardMember(env, link.from);
  guardMember(env, link.to);
  guardProxy(env, config);
  const at = env.linkEndpoint(link.from, link.to, link.port);
  guardAddress(env, `link ${proxyName(link)}`, at.host, at.port, config);
}

/** A file a fault rewrites: inside a directory this run created (its temp dirs), or one allowed. */
export function guardFile(path: string, what: string, config = process.env): void {
  const inside = (dir: string) => {
    const rel = relative(resolve(dir), resolve(path));
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  const allowed = allowList(config).some((e) => e === '*' || (isAbsolute(e) && inside(e)));
  if (allowed || residue.dirs().some(inside)) return;
  throw new TargetRefused(
    `refusing to rewrite ${path} (${what}): it is not inside a directory this run created. To allow it, set ${ALLOW_TARGETS} to a directory holding it (${ACCEPTED})`,
  );
}
