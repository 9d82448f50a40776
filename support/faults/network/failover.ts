import type { Environment } from '../../env/environment.ts';
import type { LinkSpec } from '../../system/topology.ts';
import type { FaultSpec } from '../ledger.ts';
import { arrow, toxicFault, watched } from './toxic.ts';
import { type TrafficWatch, watchTraffic } from './traffic.ts';

// Link failover: of two (or more) links from one service to another, the primary — the first the topology
// declares — fails with 100% packet loss (every chunk dropped, both ways: connects still succeed, nothing
// arrives; the probe through it goes silent), and the system's traffic must move to the secondary. That
// move is the fault's point, so its traffic proof asks two things of the hold: the system's traffic met the
// lost primary, and it crossed a secondary link afterwards. A system that never fails over leaves the
// secondary's counters still, and the scenario fails as an experiment whose fault had no effect, saying so.
export function failover(
  env: Environment,
  primary: LinkSpec,
  secondaries: readonly LinkSpec[],
  durationMs?: number,
): FaultSpec {
  const base = toxicFault(env, {
    kind: 'link failover',
    description: `link failover: ${arrow(primary)} lost (100% packet loss), traffic must move to ${secondaries.map(arrow).join(', ')}`,
    targets: [primary.to],
    touches: [primary.from, primary.to],
    cuts: [{ link: primary, streams: ['upstream', 'downstream'] }],
    toxic: { type: 'packet_loss', attributes: { probability: 1, burst: 0 } },
    proof: { kind: 'silent' },
    durationMs,
  });
  let moved: TrafficWatch | undefined;
  return {
    ...base,
    async apply() {
      const evidence = await base.apply();
      moved = await watchTraffic(env.toxiproxy, watched(secondaries.map((link) => ({ link, streams: [] }))));
      return evidence;
    },
    async felt() {
      const met = await base.felt!();
      if (!moved) return met;
      const secondary = await moved.felt();
      return {
        ok: met.ok && secondary.ok,
        ...(met.unknown || secondary.unknown ? { unknown: true } : {}),
        evidence: `primary — ${met.evidence}; secondary — ${
          secondary.ok ? secondary.evidence : `the traffic did not move there: ${secondary.evidence}`
        }`,
      };
    },
  };
}
