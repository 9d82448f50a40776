import type { Environment } from '../../env/environment.ts';
import { probeKind, proxyName } from '../../system/topology.ts';
import { guardLink } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';
import { probe } from '../probe.ts';
import { type TrafficWatch, watchTraffic } from './traffic.ts';

const TOXIC = 'faultline-latency';

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
  const link = env.topology.links.find((l) => l.from === from && l.to === to && !l.port);
  if (!link) throw new Error(`no link ${from} → ${to} runs through the fault proxy, so it cannot be slowed`);
  guardLink(env, link);
  const name = proxyName(link);
  let watch: TrafficWatch | undefined;
  return {
    kind: 'latency',
    description: `${delayMs} ms latency on ${to}'s responses to ${from}`,
    targets: [to],
    touches: [from, to],
    durationMs,
    async apply() {
      const kind = probeKind(env.topology, link);
      const endpoint = env.linkEndpoint(from, to);
      const before = await probe(kind, endpoint, 2_000);
      await env.toxiproxy.addToxic(name, {
        name: TOXIC,
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: delayMs, jitter: 0 },
      });
      const after = await probe(kind, endpoint, delayMs + 2_000);
      // Toxiproxy's own tolerance is 10 ms; anything clearly under the delay means traffic bypassed it.
      if (!after.replied || after.ms < delayMs - 10)
        throw new Error(
          `the latency had no effect: ${to} answered ${from} through ${name} in ${after.ms} ms (${after.detail}), expected about ${delayMs} ms`,
        );
      // Counted from here: the probes' own connections are behind us.
      watch = await watchTraffic(env.toxiproxy, [{ from, to, proxy: name }]);
      return [
        `${from} → ${to}: ${kind} probe answered in ${before.ms} ms before, ${after.ms} ms after ${delayMs} ms latency was added`,
      ];
    },
    async felt() {
      if (!watch)
        throw new Error(`the latency on ${name} was never fully applied, so its traffic was not watched`);
      return watch.felt();
    },
    async undo() {
      await env.toxiproxy.removeToxicIfPresent(name, TOXIC);
    },
  };
}
