import type Dockerode from 'dockerode';
import type { DnsControl, LookupResult } from './control.ts';
import { readGetent } from './getent.ts';
import { Resolver } from './resolver.ts';

// DNS on the containers backend. A container that looks a dependency up by name is started with `--dns` at
// faultline's resolver, which listens on the run network's gateway (this machine's address on that network,
// port 53). Docker's embedded DNS answers the network's aliases itself and forwards every other name —
// `redis.faultline` — from inside the asking container's network namespace, so the query's source address
// is the container's own: that is its vantage. The answer is the fault proxy's address on the network (the
// port in the service's URL is its link's), so traffic by name still crosses the proxy.

export interface ContainerDnsSource {
  network: string;
  /** The services whose lookups go to the resolver. */
  vantages: string[];
  /** The containers of the environment, by service (the fault proxy under its own alias). */
  container(service: string): Dockerode.Container | undefined;
  /** The proxy's alias; a link from → to exists when `hasLink` says so. */
  proxy: string;
  hasLink(from: string, to: string): boolean;
  /** Runs a command inside a service's container: exit code and output. */
  exec(service: string, command: string[]): Promise<{ exitCode: number; output: string }>;
}

export interface ContainerDns {
  control: DnsControl;
  /** The address containers are given with --dns. */
  address: string;
  close(): Promise<void>;
}

async function addressOn(
  container: Dockerode.Container | undefined,
  network: string,
): Promise<string | undefined> {
  if (!container) return undefined;
  const info = await container.inspect().catch(() => undefined);
  return info?.NetworkSettings.Networks[network]?.IPAddress || undefined;
}

export async function startContainerDns(
  docker: Dockerode,
  source: ContainerDnsSource,
): Promise<ContainerDns> {
  const network = await docker.getNetwork(source.network).inspect();
  const gateway = (network.IPAM?.Config ?? []).map((c: { Gateway?: string }) => c.Gateway).find(Boolean);
  if (!gateway)
    throw new Error(
      `the network ${source.network} has no gateway address for faultline's resolver to listen on`,
    );
  // Container addresses are learnt on the first query from each (a service looks names up while it starts,
  // before its start is reported); a restarted container may come back on another address, so a miss looks
  // again.
  const byAddress = new Map<string, string>();
  const vantageOf = async (from: string): Promise<string | undefined> => {
    const known = byAddress.get(from);
    if (known) return known;
    for (const service of source.vantages) {
      const address = await addressOn(source.container(service), source.network);
      if (address) byAddress.set(address, service);
    }
    return byAddress.get(from);
  };
  const resolver = new Resolver({
    address: async (vantage, target) =>
      source.hasLink(vantage, target) ? addressOn(source.container(source.proxy), source.network) : undefined,
  });
  await resolver.listenShared(gateway, vantageOf);
  const control: DnsControl = {
    resolver,
    vantages: source.vantages,
    where: () => `${gateway}:53`,
    async lookupFrom(service, name): Promise<LookupResult> {
      const started = performance.now();
      try {
        const { exitCode, output } = await source.exec(service, ['/usr/bin/getent', 'ahostsv4', name]);
        return readGetent(exitCode, output, Math.round(performance.now() - started));
      } catch (error) {
        return readGetent(null, (error as Error).message, Math.round(performance.now() - started));
      }
    },
  };
  return { control, address: gateway, close: () => resolver.close() };
}
