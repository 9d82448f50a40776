import type { Environment } from '../../env/environment.ts';
import { linksBetween } from '../../system/topology.ts';
import type { FaultSpec } from '../ledger.ts';
import { toxicFault } from './toxic.ts';

// A partition black-holes both directions of every link between two services: Toxiproxy's `timeout`
// toxic with timeout 0 swallows all bytes and never closes, which is what a peer behind a dropped route
// experiences (connects may succeed at the proxy, then nothing comes back). Refusing connections instead
// would be a kinder, easier-to-detect fault than a real partition. Besides the probes, the partition proves
// the system's own traffic ran into it: bytes the toxic swallows still reach the proxy and are counted
// (traffic.ts); of several links cut together, at least one must have carried traffic.

export const BLACK_HOLE = { type: 'timeout', attributes: { timeout: 0 } };

export function partition(env: Environment, a: string, b: string, durationMs?: number): FaultSpec {
  return toxicFault(env, {
    kind: 'partition',
    description: `network partition between ${a} and ${b}`,
    targets: [b],
    touches: [a, b],
    cuts: linksBetween(env.topology, a, b).map((link) => ({ link, streams: ['upstream', 'downstream'] })),
    toxic: BLACK_HOLE,
    proof: { kind: 'silent' },
    durationMs,
  });
}
