import type { Environment } from '../../env/environment.ts';
import type { Endpoint, LinkSpec, ProbeKind } from '../../system/topology.ts';
import { probeKind, proxyName } from '../../system/topology.ts';
import { guardLink } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';
import { type ProbeResult, probe, transfer } from '../probe.ts';
import { type TrafficWatch, watchTraffic } from './traffic.ts';

// Every network fault is one toxic of the fault proxy on some streams of some links, plus a proof that fits
// its effect. This module is that one shape: a partition, a latency, a refused link, packet loss, a
// bandwidth limit… differ only in the toxic, the streams and the proof, so they all go through here. The
// toxics are added link by link (a fault is one event: all links are cut together), each link is probed
// through its own proxy listener before and after, and once the probes are done the proxy's traffic
// counters start counting: the fault is felt only if the system's own traffic crossed one of its links
// while it held (traffic.ts). Undo removes exactly the toxics this fault added, whether or not it applied.

/** A link's direction as the proxy names it: upstream = what the link's client sends, downstream = replies. */
export type Stream = 'upstream' | 'downstream';

/** One link a fault acts on, and which of its streams. */
export interface Cut {
  link: LinkSpec;
  streams: Stream[];
}

/**
 * How a fault proves its effect through a probe of each link (a protocol request through its listener):
 * - silent: no reply at all (a black hole);
 * - refused: the connection fails at once — reset or closed — instead of answering (not a timeout);
 * - delayed: a reply, no sooner than `atLeastMs` (and, when given, no later than `atMostMs`);
 * - a stream proof (throughput, cut, slow close, sliced): a stream of requests whose replies arrive no
 *   faster than `bytesPerMs` (a bandwidth limit), stop after `bytes` (a cut), end `delayMs` late (a slow
 *   close) or in pieces of at most `size` (a slicer) — on links whose protocol answers a stream of requests
 *   (HTTP, Redis); on others, the toxic in the proxy and the traffic proof, said so in the evidence;
 * - installed: no probe can tell (5% loss answers most probes): the proxy reports the toxic in place, and
 *   the traffic proof shows the system's traffic crossed it. `why` says so in the evidence.
 */
export type Proof =
  | { kind: 'silent' }
  | { kind: 'refused' }
  | { kind: 'delayed'; atLeastMs: number; atMostMs?: number }
  | StreamProof
  | { kind: 'installed'; why: string };

export type StreamProof =
  | { kind: 'throughput'; bytesPerMs: number }
  | { kind: 'cut'; bytes: number }
  | { kind: 'slow close'; delayMs: number }
  | { kind: 'sliced'; size: number; largest: number; delayMs: number };

const STREAM_PROOFS: readonly string[] = ['throughput', 'cut', 'slow close', 'sliced'];

export interface ToxicPlan {
  kind: string;
  description: string;
  targets: string[];
  touches: string[];
  cuts: Cut[];
  toxic: { type: string; attributes: Record<string, number> };
  proof: Proof;
  durationMs?: number;
  /**
   * The stem of this fault's toxic names (`faultline-partition-3` → `…-up`, `…-down`), unique per fault so
   * two faults on one link (a partition while the service is also unreachable) neither collide nor remove
   * each other's toxics. Set by `named` when absent.
   */
  name?: string;
}

let faults = 0;
/** The plan with its own toxic name stem. */
export const named = (plan: ToxicPlan): ToxicPlan & { name: string } => ({
  ...plan,
  name: plan.name ?? `faultline-${plan.kind.replace(/[^a-z0-9]+/gi, '-')}-${++faults}`,
});
const toxicName = (plan: Pick<ToxicPlan, 'name'>, stream: Stream) =>
  `${plan.name}-${stream === 'upstream' ? 'up' : 'down'}`;
export const arrow = (link: LinkSpec) => `${link.from} → ${link.to}${link.port ? ` (${link.port})` : ''}`;

/** What the probes may wait for: long enough for the fault's own delay, never forever. */
function patience(proof: Proof): number {
  if (proof.kind === 'silent') return 500;
  if (proof.kind === 'delayed') return (proof.atMostMs ?? proof.atLeastMs) + 2_000;
  if (proof.kind === 'slow close') return proof.delayMs + 3_000;
  if (STREAM_PROOFS.includes(proof.kind)) return 3_000;
  return 2_000;
}

const before = (result: ProbeResult) =>
  result.replied ? `answered in ${result.ms} ms` : `did not answer (${result.detail})`;

/** Probes one faulted link and says what it saw, or throws "the <fault> had no effect: …". */
async function prove(
  env: Environment,
  plan: ToxicPlan,
  kind: ProbeKind,
  endpoint: Endpoint,
  link: LinkSpec,
  baseline: ProbeResult,
): Promise<string> {
  const name = proxyName(link);
  const { proof } = plan;
  const failed = (saw: string, expected: string) =>
    new Error(`the ${plan.kind} had no effect: ${arrow(link)} through ${name}: ${saw}, expected ${expected}`);
  if (STREAM_PROOFS.includes(proof.kind)) return streamProof(env, plan, kind, endpoint, link, baseline);
  const after = await probe(kind, endpoint, patience(proof));
  const was = `${kind} probe ${before(baseline)} before`;
  if (proof.kind === 'silent') {
    if (after.replied) throw failed(`still answered in ${after.ms} ms`, 'no answer');
    return `${arrow(link)}: ${was}, ${after.detail} after`;
  }
  if (proof.kind === 'refused') {
    if (after.replied || after.ms >= 1_000 || /within/.test(after.detail))
      throw failed(
        after.replied ? `answered in ${after.ms} ms` : after.detail,
        'the connection reset at once',
      );
    return `${arrow(link)}: ${was}, after: ${after.detail} in ${after.ms} ms`;
  }
  if (proof.kind === 'delayed') {
    // The proxy's own tolerance is 10 ms; anything clearly under the delay means traffic bypassed it.
    const late = after.replied && after.ms >= proof.atLeastMs - 10;
    const inRange = proof.atMostMs === undefined || after.ms <= proof.atMostMs + 1_000;
    if (!late || !inRange)
      throw failed(
        after.replied ? `answered in ${after.ms} ms` : after.detail,
        proof.atMostMs === undefined
          ? `an answer after at least ${proof.atLeastMs} ms`
          : `an answer after ${proof.atLeastMs}–${proof.atMostMs} ms`,
      );
    return `${arrow(link)}: ${was}, ${after.ms} ms after`;
  }
  return `${arrow(link)}: ${was}; ${await held(env, plan, link)}; ${after.replied ? `a probe still answered in ${after.ms} ms` : `a probe: ${after.detail}`} — ${proof.kind === 'installed' ? proof.why : ''}`;
}

/** The fault's toxics as the proxy reports them: the proxy's word, not ours. */
async function held(env: Environment, plan: ToxicPlan, link: LinkSpec): Promise<string> {
  const name = proxyName(link);
  const prefix = `${plan.name}-`;
  const mine = ((await env.toxiproxy.proxy(name)).toxics ?? []).filter((t) => t.name.startsWith(prefix));
  if (mine.length === 0)
    throw new Error(
      `the ${plan.kind} had no effect: ${arrow(link)} through ${name}: the proxy reports no such toxic, expected a ${plan.toxic.type} toxic`,
    );
  return `the proxy holds ${mine.map((t) => `${t.name} (${t.type} ${JSON.stringify(t.attributes)})`).join(', ')}`;
}

/** A stream of requests through the link, judged by what the proof expects of its replies. */
async function streamProof(
  env: Environment,
  plan: ToxicPlan,
  kind: ProbeKind,
  endpoint: Endpoint,
  link: LinkSpec,
  baseline: ProbeResult,
): Promise<string> {
  const proof = plan.proof as StreamProof;
  const measured = await transfer(kind, endpoint, patience(proof));
  const was = `${kind} probe ${before(baseline)} before`;
  if (measured === undefined)
    return `${arrow(link)}: ${was}; ${await held(env, plan, link)}; a ${kind} link cannot be probed by a stream of requests, so the proof is the toxic in the proxy and the system's traffic through it`;
  const saw = `a stream of ${measured.bytes} B of replies in ${measured.reads} reads over ${measured.ms} ms (${kbps(measured.bytesPerMs)}), ${measured.closeMs === undefined ? 'not closed' : `closed ${measured.closeMs} ms after its last byte`}`;
  const failed = (expected: string) =>
    new Error(
      `the ${plan.kind} had no effect: ${arrow(link)} through ${proxyName(link)}: ${saw}, expected ${expected}`,
    );
  switch (proof.kind) {
    case 'throughput':
      // Pacing runs in 100 ms slices on a forward-only clock: a quarter above the limit is measurement noise.
      if (measured.bytes === 0 || measured.bytesPerMs > proof.bytesPerMs * 1.25)
        throw failed(`at most ${kbps(proof.bytesPerMs)}`);
      break;
    case 'cut':
      if (measured.bytes > proof.bytes || measured.closeMs === undefined)
        throw failed(`the connection cut after at most ${proof.bytes} B`);
      break;
    case 'slow close':
      if (measured.closeMs === undefined || measured.closeMs < proof.delayMs - 10)
        throw failed(`the close at least ${proof.delayMs} ms after the last byte`);
      break;
    case 'sliced': {
      // Pieces can be seen directly only where nothing between the proxy and the probe merges segments
      // again (a container network's NAT does): otherwise by their pacing, one piece per delay.
      const paced = (measured.bytes / proof.size) * proof.delayMs * 0.5;
      if ((measured.reads < 2 || measured.medianRead > proof.largest) && measured.ms < paced)
        throw failed(
          `pieces of at most ${proof.largest} B, or the stream paced over at least ${Math.round(paced)} ms`,
        );
      break;
    }
  }
  return `${arrow(link)}: ${was}; after, ${saw}`;
}

const kbps = (bytesPerMs: number) => `${bytesPerMs.toFixed(1)} KB/s`;

/** Removes this plan's toxics from every stream of every link (idempotent). */
export async function removeToxics(env: Environment, plan: Pick<ToxicPlan, 'name' | 'cuts'>) {
  for (const { link, streams } of plan.cuts)
    for (const stream of streams)
      await env.toxiproxy.removeToxicIfPresent(proxyName(link), toxicName(plan, stream));
}

/** Adds this plan's toxic to every stream of every link. */
export async function addToxics(
  env: Environment,
  plan: Pick<ToxicPlan, 'name' | 'toxic'>,
  cut: Cut,
): Promise<void> {
  for (const stream of cut.streams)
    await env.toxiproxy.addToxic(proxyName(cut.link), {
      name: toxicName(plan, stream),
      type: plan.toxic.type,
      stream,
      toxicity: 1,
      attributes: plan.toxic.attributes,
    });
}

/** The links of a plan as the traffic proof names them. */
export const watched = (cuts: readonly Cut[]) =>
  // A named port in the name: two links may run between the same two services.
  cuts.map(({ link }) => ({
    from: link.from,
    to: link.port ? `${link.to} (${link.port})` : link.to,
    proxy: proxyName(link),
  }));

/** A fault made of one toxic on some streams of some links, proving its effect as the plan says. */
export function toxicFault(environment: Environment, unnamed: ToxicPlan): FaultSpec {
  const plan = named(unnamed);
  if (plan.cuts.length === 0)
    throw new Error(
      `${plan.description}: no link runs through the fault proxy there, so there is nothing to fault`,
    );
  for (const { link } of plan.cuts) guardLink(environment, link);
  let watch: TrafficWatch | undefined;
  return {
    kind: plan.kind,
    description: plan.description,
    targets: plan.targets,
    touches: plan.touches,
    durationMs: plan.durationMs,
    async apply() {
      // Settled, not raced: a link that fails its proof must not leave another still adding its toxics
      // after the ledger has already run the undo.
      const settled = await Promise.allSettled(
        plan.cuts.map(async (cut) => {
          const kind = probeKind(environment.topology, cut.link);
          const endpoint = environment.linkEndpoint(cut.link.from, cut.link.to, cut.link.port);
          const baseline = await probe(kind, endpoint, 2_000);
          await addToxics(environment, plan, cut);
          return prove(environment, plan, kind, endpoint, cut.link, baseline);
        }),
      );
      const failure = settled.find((r) => r.status === 'rejected');
      if (failure) throw failure.reason;
      const evidence = settled.map((r) => (r as PromiseFulfilledResult<string>).value);
      // Counted from here: the probes' own connections are behind us.
      watch = await watchTraffic(environment.toxiproxy, watched(plan.cuts));
      return evidence;
    },
    async felt() {
      if (!watch)
        throw new Error(`the ${plan.description} was never fully applied, so its traffic was not watched`);
      return watch.felt();
    },
    undo: () => removeToxics(environment, plan),
  };
}
