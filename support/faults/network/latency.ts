import type { Environment } from '../../env/environment.ts';
import type { FaultSpec } from '../ledger.ts';
import { toxicFault } from './toxic.ts';

// Slows what `to` sends back to `from` (Toxiproxy `latency` on the downstream stream of that link), so
// requests reach the member at once and its answers arrive late — a slow dependency, not a dead one.
// Proof: a probe through the link answers within milliseconds before and only after the delay once applied,
// and the system's own traffic crossed the link while the delay held (traffic.ts).
export function latency(
  env: Environment,
  from: string,
  to: string,
  delayMs: number,
  durationMs?: number,
): FaultSpec {
  return toxicFault(env, {
    kind: 'latency',
    description: `${delayMs} ms latency on ${to}'s responses to ${from}`,
    targets: [to],
    touches: [from, to],
    cuts: env.topology.links
      .filter((l) => l.from === from && l.to === to && !l.port)
      .map((link) => ({ link, streams: ['downstream'] })),
    toxic: { type: 'latency', attributes: { latency: delayMs, jitter: 0 } },
    proof: { kind: 'delayed', atLeastMs: delayMs },
    durationMs,
  });
}
