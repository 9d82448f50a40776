import type { ProxyTraffic, ToxiproxyClient } from '../../proxy/client.ts';
import type { TrafficProof } from '../ledger.ts';

// A probe proves a network fault is in place; it does not prove the experiment tested anything. A fault on a
// link the system never used while it held passes every check vacuously, so each network fault also proves
// that the system's own traffic crossed the faulted link while the fault held: the proxy's live counters
// are read once the fault is applied (after its probes, whose connections must not count) and again just
// before its undo, and the difference is the system's traffic. Bytes that reach the proxy count even when
// the fault swallows them (a partition): they are traffic the fault struck.

/** One faulted link as the proof names it: the two services and the proxy that carries it. */
export interface WatchedLink {
  from: string;
  to: string;
  proxy: string;
}

export interface TrafficWatch {
  /** Reads the counters again and judges: at least one link carried traffic since the watch began. */
  felt(): Promise<TrafficProof>;
}

const arrow = (link: WatchedLink) => `${link.from} → ${link.to}`;

/** Snapshot every link's counters now; the returned watch compares against it. */
export async function watchTraffic(
  client: ToxiproxyClient,
  links: readonly WatchedLink[],
): Promise<TrafficWatch> {
  const since = Date.now();
  // A first read that fails must not fail the fault it watches (already applied): the proof is then unknown.
  let failure: string | undefined;
  const before = await Promise.all(links.map((link) => client.traffic(link.proxy))).catch((error: Error) => {
    failure = error.message;
    return [];
  });
  return {
    async felt() {
      const heldS = ((Date.now() - since) / 1000).toFixed(1);
      const names = links.map(arrow).join(', ');
      if (failure !== undefined)
        return {
          ok: false,
          unknown: true,
          evidence: `the traffic on ${names} could not be counted when the fault began: ${failure}`,
        };
      if (before.some((t) => t === undefined))
        return {
          ok: false,
          unknown: true,
          evidence: `the fault proxy at ${client.url} cannot count traffic (it does not serve GET /proxies/{proxy}/traffic, faultline's extension; Shopify's Toxiproxy has none), so whether the system's traffic crossed ${names} while the fault held is unknown: use faultline's proxy (unset FAULTLINE_TOXIPROXY_URL, or faultline's proxy image)`,
        };
      const after = await Promise.all(links.map((link) => client.traffic(link.proxy)));
      const figures = links.map((link, i) => figuresOf(link, before[i]!, after[i]));
      const ok = figures.some((f) => f.crossed);
      const detail = `${figures.map((f) => f.text).join('; ')} in ${heldS} s`;
      return ok
        ? { ok, evidence: `the system's traffic crossed the faulted link while it held: ${detail}` }
        : { ok, evidence: `no traffic of the system crossed ${names} while it held (${detail})` };
    },
  };
}

function figuresOf(
  link: WatchedLink,
  before: ProxyTraffic,
  after: ProxyTraffic | undefined,
): { crossed: boolean; text: string } {
  if (after === undefined)
    return { crossed: false, text: `${arrow(link)}: the proxy ${link.proxy} stopped counting traffic` };
  const accepted = after.connections.accepted - before.connections.accepted;
  const fromClient = after.upstream.received - before.upstream.received;
  const fromServer = after.downstream.received - before.downstream.received;
  // A smaller figure than before means the proxy was re-created: its counters started again from zero.
  if (accepted < 0 || fromClient < 0 || fromServer < 0)
    return {
      crossed: false,
      text: `${arrow(link)}: the proxy ${link.proxy} was re-created while the fault held (its counters restarted)`,
    };
  return {
    crossed: accepted > 0 || fromClient > 0 || fromServer > 0,
    text: `${arrow(link)}: ${accepted} connection${accepted === 1 ? '' : 's'} accepted, ${bytes(fromClient)} from ${link.from}, ${bytes(fromServer)} from ${link.to}`,
  };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
