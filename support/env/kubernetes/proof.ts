import type { FaultSpec, TrafficProof } from '../../faults/ledger.ts';
import { probe } from '../../faults/probe.ts';
import type { FaultShape } from '../../faults/shape.ts';
import type { Endpoint, ProbeKind } from '../../system/topology.ts';

// The traffic proof a chaos fault can have on a cluster, beside Chaos Mesh's own status. Locally the fault
// proxy counts what crossed a cut link; in a cluster services talk to each other directly and the harness
// sees only the URLs the config gives. So: a fault that takes a whole service down (a kill, a stop, a store
// or replicas failing) is proven the way a user would see it — probes of the service's URL while the fault
// holds, at least one of which must go unanswered; a fault the harness cannot see from outside (between two
// services, inside one: delay, DNS, clock, stress, disk) says so in its evidence and rests on the status
// alone only when the user said so (kubernetes.proof: 'status'); by default it is an invalid experiment,
// because a verdict over a fault nobody saw touch the system's traffic proves nothing. A probe that saw
// nothing while the status said "injected" is a fault without effect (an invalid experiment), never a pass.

const PROBE_EVERY_MS = 200;
const PROBE_TIMEOUT_MS = 1_000;

/** Where and how the harness can see the fault, or why it cannot. */
export type Visibility =
  | { seen: true; service: string; url: string; endpoint: Endpoint; kind: ProbeKind }
  | { seen: false; why: string };

/** Faults that take their target down as a whole (the translation makes them PodChaos). */
const TAKES_DOWN = new Set(['process', 'store', 'replica']);

export function visibility(
  shape: FaultShape,
  reach: (service: string) => { url?: string; endpoint?: Endpoint; kind: ProbeKind },
): Visibility {
  if (!TAKES_DOWN.has(shape.family) || !('aim' in shape)) {
    const what =
      shape.family === 'network'
        ? `the traffic between ${shape.links.map((l) => `${l.struck.name} and ${l.peer}`).join(', ')} never reaches the harness on kubernetes (no fault proxy on the path; services talk directly)`
        : `a ${shape.family} fault acts inside the pods, out of the harness's sight on kubernetes`;
    return { seen: false, why: `not measured — ${what}` };
  }
  const { aim } = shape;
  if (aim.mode !== 'all')
    return {
      seen: false,
      why: `not measured — only some of ${aim.name} are struck, and a probe of its URL is answered by the others`,
    };
  const at = reach(aim.name);
  if (!at.url || !at.endpoint)
    return {
      seen: false,
      why: `not measured — ${aim.name} has no url in kubernetes.services, so the harness cannot probe it`,
    };
  return { seen: true, service: aim.name, url: at.url, endpoint: at.endpoint, kind: at.kind };
}

/**
 * The fault with its proof: probes of the service's URL from the end of apply (the status said injected)
 * until the proof is asked, just before undo; or, when the harness cannot see it, a line saying so.
 */
export function withTrafficProof(
  spec: FaultSpec,
  seen: Visibility,
  proof: 'traffic' | 'status' = 'traffic',
): FaultSpec {
  if (!seen.seen && proof === 'status')
    return {
      ...spec,
      apply: async () => [
        ...(await spec.apply()),
        `traffic: ${seen.why}; the proof is Chaos Mesh's status only (every target injected), as kubernetes.proof: 'status' allows`,
      ],
    };
  if (!seen.seen)
    return {
      ...spec,
      apply: async () => [...(await spec.apply()), `traffic: ${seen.why}`],
      felt: async () => ({
        ok: false,
        evidence: `${seen.why}: nothing shows the system's traffic met it, although Chaos Mesh's status said injected. To accept that status as the proof, set kubernetes.proof: 'status' in the config (the evidence then says so)`,
      }),
    };
  let probing: Promise<void> | undefined;
  let stop = false;
  const tally = { sent: 0, unanswered: 0, detail: '' };
  const once = async () => {
    const result = await probe(seen.kind, seen.endpoint, PROBE_TIMEOUT_MS);
    tally.sent++;
    if (!result.replied) {
      tally.unanswered++;
      tally.detail ||= result.detail;
    }
  };
  const loop = async () => {
    while (!stop) {
      await once();
      await new Promise((r) => setTimeout(r, PROBE_EVERY_MS).unref());
    }
  };
  const halt = async () => {
    stop = true;
    await probing;
  };
  return {
    ...spec,
    async apply() {
      const evidence = await spec.apply();
      probing = loop();
      return evidence;
    },
    async felt(): Promise<TrafficProof> {
      await halt();
      if (tally.sent === 0) await once();
      const where = `${tally.sent} ${seen.kind} probe(s) of ${seen.service} at ${seen.url} while the fault held`;
      return tally.unanswered > 0
        ? { ok: true, evidence: `${where}: ${tally.unanswered} unanswered (${tally.detail})` }
        : {
            ok: false,
            evidence: `${where}: every one answered — ${seen.service} never went down as seen from its URL, although Chaos Mesh's status said injected`,
          };
    },
    async undo() {
      await halt();
      await spec.undo();
    },
  };
}
