import type { Environment } from '../../env/environment.ts';
import { proxyName } from '../../system/topology.ts';
import type { TrafficProof } from '../ledger.ts';
import { type TrafficWatch, watchTraffic } from '../network/traffic.ts';

// A process fault proves its effect on the process (gone, stopped, a new pid); whether it tested anything
// depends on the system's own traffic reaching the struck service while it held. Every link into a target
// runs through the fault proxy, so its counters say so: connections the system opened towards a killed or
// paused service count even though nothing answered them (the proxy accepted them on its behalf).

/** Watches the proxied links into the targets; `felt()` judges what crossed them since `begin()`. */
export function trafficInto(env: Environment, targets: readonly string[], what: string) {
  const links = env.topology.links
    .filter((l) => targets.includes(l.to))
    .map((l) => ({ from: l.from, to: l.to, proxy: proxyName(l) }));
  let watch: TrafficWatch | undefined;
  return {
    async begin(): Promise<void> {
      if (links.length > 0) watch = await watchTraffic(env.toxiproxy, links);
    },
    async felt(): Promise<TrafficProof> {
      if (links.length === 0)
        return {
          ok: false,
          unknown: true,
          evidence: `no link of the system leads into ${targets.join(', ')}, so whether its traffic met the ${what} cannot be counted`,
        };
      if (!watch) throw new Error(`the ${what} was never fully applied, so its traffic was not watched`);
      return watch.felt();
    },
  };
}
