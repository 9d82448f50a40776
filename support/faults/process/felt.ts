import type { Environment } from '../../env/environment.ts';
import type { Operation } from '../../load/history.ts';
import { proxyName } from '../../system/topology.ts';
import type { TrafficProof } from '../ledger.ts';
import { type TrafficWatch, watchTraffic } from '../network/traffic.ts';

// A process fault proves its effect on the process (gone, stopped, a new pid); whether it tested anything
// depends on the system's own traffic reaching the struck service while it held. Two witnesses count it:
// the fault proxy's counters on every link into a target (connections the system opened towards a killed
// or paused service count although nothing answered them: the proxy accepted them on its behalf), and the
// scenario's own operations sent straight to a target (a service clients call directly has no link into
// it). Either one seeing traffic is enough; neither seeing any makes the experiment invalid.

/** The scenario's recorded operations, read when the fault's hold ends. */
export type OperationsSource = () => readonly Operation[];

/** Watches the traffic into the targets; `felt()` judges what reached them since `begin()`. */
export function trafficInto(
  env: Environment,
  targets: readonly string[],
  what: string,
  operations?: OperationsSource,
) {
  const links = env.topology.links
    .filter((l) => targets.includes(l.to))
    .map((l) => ({ from: l.from, to: l.to, proxy: proxyName(l) }));
  let watch: TrafficWatch | undefined;
  let since: number | undefined;
  const names = targets.join(', ');
  return {
    async begin(): Promise<void> {
      since = Date.now();
      if (links.length > 0) watch = await watchTraffic(env.toxiproxy, links);
    },
    async felt(): Promise<TrafficProof> {
      if (since === undefined)
        throw new Error(`the ${what} was never fully applied, so its traffic was not watched`);
      const from = since;
      const sent = (operations?.() ?? []).filter(
        (op) => op.service !== undefined && targets.includes(op.service) && op.completedAt >= from,
      ).length;
      const direct = `${sent} operation${sent === 1 ? '' : 's'} of the scenario sent straight to ${names}`;
      const proxied = watch ? await watch.felt() : undefined;
      if (proxied?.ok) return sent > 0 ? { ...proxied, evidence: `${proxied.evidence}; ${direct}` } : proxied;
      if (sent > 0)
        return { ok: true, evidence: `the system's traffic reached the ${what} while it held: ${direct}` };
      if (proxied)
        return {
          ...proxied,
          evidence: `${proxied.evidence}; and no operation of the scenario was sent straight to ${names}`,
        };
      return {
        ok: false,
        evidence: `no traffic of the system reached ${names} while the ${what} held: no link of the system leads into ${targets.length === 1 ? 'it' : 'them'} and no operation of the scenario was sent to ${targets.length === 1 ? 'it' : 'them'}`,
      };
    },
  };
}
