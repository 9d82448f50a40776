import { dnsName, probeName } from '../../dns/names.ts';
import type { LookupCount, LookupFailure } from '../../dns/resolver.ts';
import type { Environment } from '../../env/environment.ts';
import { guardLink } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';

// A DNS fault: one service's lookups of another's name fail — NXDOMAIN (the name does not exist), SERVFAIL
// (the server failed) or no answer at all (the query is dropped; the asker waits out its own timeout) —
// while every other service, and this one's other names, resolve as before. faultline's resolver does it
// (support/dns/resolver.ts). Proof: a lookup made inside the service, through its own resolver
// configuration, resolves before, fails while the fault holds, and resolves again after the undo; the
// resolver's count of the system's own lookups of the name from that service says whether the fault met
// any (faultline's probes ask in upper case and are not counted).

export function lookupFailure(
  env: Environment,
  vantage: string,
  target: string,
  failure: LookupFailure,
  durationMs?: number,
): FaultSpec {
  const dns = env.dns;
  if (env.dnsUnavailable)
    throw new Error(`DNS faults cannot run on this backend here: ${env.dnsUnavailable}`);
  if (!dns?.vantages.includes(vantage))
    throw new Error(
      `${vantage}'s lookups do not go through faultline's resolver (${dns ? `services whose do: ${dns.vantages.join(', ')}` : 'no service of this system looks a name up'}), so they cannot be failed`,
    );
  // The name answers the link vantage → target: it must be a link of this run's fault proxy.
  guardLink(env, { from: vantage, to: target });
  const name = dnsName(target);
  const probe = probeName(target);
  const how = failure === 'no answer' ? 'get no answer' : `fail with ${failure}`;
  let end: (() => void) | undefined;
  let since: { at: number; count: LookupCount } | undefined;
  /** The evidence apply returned: the ledger keeps this array on the record, so the undo's proof joins it. */
  const evidence: string[] = [];
  return {
    kind: 'dns',
    description: `${vantage}'s lookups of ${name} ${how}`,
    targets: [vantage],
    touches: [vantage, target],
    durationMs,
    async apply() {
      const before = await dns.lookupFrom(vantage, probe);
      if (!before.ok)
        throw new Error(
          `the DNS fault cannot be proven: ${vantage} could not look ${name} up even before it (${before.detail})`,
        );
      end = dns.resolver.fail(vantage, target, failure);
      since = { at: Date.now(), count: dns.resolver.lookups(vantage, target) };
      const during = await dns.lookupFrom(vantage, probe);
      if (during.ok)
        throw new Error(`the DNS fault had no effect: ${vantage} still looked ${name} up (${during.detail})`);
      // The probe's own wait (no answer: a timeout) is behind us: count the system's lookups from here.
      since = { at: Date.now(), count: dns.resolver.lookups(vantage, target) };
      evidence.push(
        `${vantage} → ${name} (faultline's resolver at ${dns.where(vantage)}): ${before.detail} before; ${failure}: ${during.detail} while the fault holds`,
      );
      return evidence;
    },
    async felt() {
      if (!since)
        return {
          ok: false,
          evidence: `the DNS fault on ${vantage}'s lookups of ${name} was never fully applied`,
        };
      const now = dns.resolver.lookups(vantage, target);
      const total = now.total - since.count.total;
      const failed = now.failed - since.count.failed;
      const heldS = ((Date.now() - since.at) / 1000).toFixed(1);
      return total > 0
        ? {
            ok: true,
            evidence: `the system's own lookups met the fault: ${vantage} looked ${name} up ${total} time(s) in ${heldS} s, ${failed} failed with ${failure}`,
          }
        : {
            ok: false,
            evidence: `${vantage} did not look ${name} up while the fault held (${heldS} s): no lookup of the system met it`,
          };
    },
    async undo() {
      if (!end) return;
      end();
      end = undefined;
      if (dns.resolver.failing(vantage, target))
        throw new Error(
          `${vantage}'s lookups of ${name} are still failed at faultline's resolver after the undo`,
        );
      // Verified clean from the service's own vantage (unless it is down: a crash fault may hold it).
      if (!env.control(vantage).alive()) return;
      const after = await dns.lookupFrom(vantage, probe);
      if (!after.ok)
        throw new Error(`after the undo ${vantage} still cannot look ${name} up: ${after.detail}`);
      evidence.push(`after the undo: ${vantage} → ${name} ${after.detail}`);
    },
  };
}
