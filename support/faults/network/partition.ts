import type { Environment } from '../../env/environment.ts';
import { type LinkSpec, linksBetween, probeKind, proxyName } from '../../system/topology.ts';
import { guardLink } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';
import { probe } from '../probe.ts';
import { type TrafficWatch, watchTraffic } from './traffic.ts';

// A partition black-holes both directions of every link between two services: Toxiproxy's `timeout`
// toxic with timeout 0 swallows all bytes and never closes, which is what a peer behind a dropped route
// experiences (connects may succeed at the proxy, then nothing comes back). Refusing connections instead
// would be a kinder, easier-to-detect fault than a real partition. Besides the probes, the partition proves
// the system's own traffic ran into it: bytes the toxic swallows still reach the proxy and are counted
// (traffic.ts); of several links cut together, at least one must have carried traffic.

const TOXIC = 'faultline-partition';
const PROBE_MS = 500;

function toxicNames(): { name: string; stream: 'upstream' | 'downstream' }[] {
  return [
    { name: `${TOXIC}-up`, stream: 'upstream' },
    { name: `${TOXIC}-down`, stream: 'downstream' },
  ];
}

export function partition(env: Environment, a: string, b: string, durationMs?: number): FaultSpec {
  const links: LinkSpec[] = linksBetween(env.topology, a, b);
  if (links.length === 0)
    throw new Error(
      `no link between '${a}' and '${b}' runs through the fault proxy, so it cannot be partitioned`,
    );
  for (const link of links) guardLink(env, link);
  let watch: TrafficWatch | undefined;
  return {
    kind: 'partition',
    description: `network partition between ${a} and ${b}`,
    targets: [b],
    touches: [a, b],
    durationMs,
    async apply() {
      // Links are cut together (a partition is one event), then each proves it took effect.
      const evidence = await Promise.all(
        links.map(async (link) => {
          const kind = probeKind(env.topology, link);
          const endpoint = env.linkEndpoint(link.from, link.to, link.port);
          const before = await probe(kind, endpoint, 2_000);
          for (const t of toxicNames())
            await env.toxiproxy.addToxic(proxyName(link), {
              name: t.name,
              type: 'timeout',
              stream: t.stream,
              toxicity: 1,
              attributes: { timeout: 0 },
            });
          const after = await probe(kind, endpoint, PROBE_MS);
          if (after.replied)
            throw new Error(
              `the partition had no effect: ${link.to} still answered ${link.from} through ${proxyName(link)} in ${after.ms} ms`,
            );
          return `${link.from} → ${link.to}: ${kind} probe ${before.replied ? `answered in ${before.ms} ms` : `did not answer (${before.detail})`} before, ${after.detail} after`;
        }),
      );
      // Counted from here: the probes' own connections are behind us.
      watch = await watchTraffic(
        env.toxiproxy,
        links.map((link) => ({ from: link.from, to: link.to, proxy: proxyName(link) })),
      );
      return evidence;
    },
    async felt() {
      if (!watch)
        throw new Error(
          `the partition between ${a} and ${b} was never fully applied, so its traffic was not watched`,
        );
      return watch.felt();
    },
    async undo() {
      for (const link of links)
        for (const t of toxicNames()) await env.toxiproxy.removeToxicIfPresent(proxyName(link), t.name);
    },
  };
}
