import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import type { Environment } from '../../env/environment.ts';
import type { ProxyTraffic } from '../../proxy/client.ts';
import type { MemberCertificates } from '../../system/system.ts';
import { type Endpoint, proxyName, tlsPortsOf } from '../../system/topology.ts';
import { guardFile } from '../guard.ts';
import type { FaultSpec, TrafficProof } from '../ledger.ts';
import { type ReadCertificate, readIssued, serialOf, validity } from './pki.ts';

// A service's own TLS server certificate made bad: expired, not yet valid, or signed by a CA its clients do
// not trust — an operator's mistake, a renewal job that died, a certificate from the wrong issuer. The files
// the service serves from are replaced (same name, same subject alternative names, so nothing but the
// problem differs); the service must re-read them, as one that renews without a restart does. The proof is
// a TLS handshake straight to each of its TLS ports (never through the proxy) that is handed the forged
// certificate's serial; the felt check, that the system's own clients opened connections to those ports
// while the forged certificate was served (each new handshake met it). The undo re-issues a fresh, valid
// certificate under the same files and waits until the service presents it.

export const SERVER_PROBLEMS = ['expired', 'not yet valid', 'signed by an unknown CA'] as const;
export type ServerCertificateProblem = (typeof SERVER_PROBLEMS)[number];

export function parseServerProblem(words: string): ServerCertificateProblem {
  const found = SERVER_PROBLEMS.find((p) => p === words);
  if (found) return found;
  const why =
    words === 'revoked'
      ? ' (a revoked server certificate is refused only by clients that check a revocation list, which this step cannot know)'
      : '';
  throw new Error(
    `'${words}' is not a problem a service's certificate can be given${why}; accepted: ${SERVER_PROBLEMS.map((p) => `'${p}'`).join(', ')}`,
  );
}

/** How long the service may take to serve the replaced files (it polls them) before the fault has no effect. */
const TAKES_EFFECT_MS = 5_000;
const HANDSHAKE_MS = 2_000;

/** The serial of the certificate a TLS server presents at `at`, from one handshake that trusts anything. */
export function presentedSerial(at: Endpoint): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: at.host, port: at.port, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TLS handshake with ${at.host}:${at.port} within ${HANDSHAKE_MS} ms`));
    }, HANDSHAKE_MS);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const serial = socket.getPeerX509Certificate()?.serialNumber;
      socket.destroy();
      if (serial) resolve(serialOf(serial));
      else reject(new Error(`${at.host}:${at.port} completed a TLS handshake without a certificate`));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`TLS handshake with ${at.host}:${at.port}: ${error.message}`));
    });
  });
}

/** Handshakes with every endpoint until each presents `serial`, or gives up after `ms` saying what each showed. */
export async function untilPresented(
  endpoints: readonly { label: string; at: Endpoint }[],
  serial: string,
  ms: number,
): Promise<{ ok: boolean; seen: string[]; afterMs: number }> {
  const start = Date.now();
  for (;;) {
    const seen = await Promise.all(
      endpoints.map(({ at }) => presentedSerial(at).catch((error: Error) => `(${error.message})`)),
    );
    if (seen.every((s) => s === serial)) return { ok: true, seen, afterMs: Date.now() - start };
    if (Date.now() - start >= ms) return { ok: false, seen, afterMs: Date.now() - start };
    await sleep(100);
  }
}

/** The stem of the server certificate a service presents, or an error naming the services that have one. */
export function serverStem(certificates: MemberCertificates | undefined, service: string): string {
  const servers = certificates?.servers ?? {};
  const stem = servers[service];
  if (stem !== undefined) return stem;
  throw new Error(
    `the system declares no server certificate for '${service}' (its certificates.servers, usually set in prepare()); the services with one: ${Object.keys(servers).join(', ') || '(none)'}`,
  );
}

export interface ServerCertificateFaultOptions {
  durationMs?: number;
  /** Told the forged certificate's serial once the service presents it. */
  onPresented?: (serial: string) => void;
}

export function serverCertificateFault(
  env: Environment,
  certificates: MemberCertificates,
  service: string,
  problem: ServerCertificateProblem,
  opts: ServerCertificateFaultOptions = {},
): FaultSpec {
  const { pki } = certificates;
  const stem = serverStem(certificates, service);
  const certFile = join(pki.dir, `${stem}.crt`);
  guardFile(certFile, `the certificate ${service} presents`);
  const ports = tlsPortsOf(env.topology, service);
  if (ports.length === 0)
    throw new Error(`'${service}' has no TLS port in the topology: it presents no certificate to forge`);
  const endpoints = ports.map((port) => ({
    label: port === undefined ? service : `${service}:${port}`,
    at: env.endpoint(service, port),
  }));
  // The system's links into those ports: where its clients' handshakes cross the proxy.
  const links = env.topology.links.filter(
    (l) => l.to === service && ports.some((p) => p === l.port || (p === undefined && l.port === undefined)),
  );
  const shown = endpoints.map((e) => `${e.label} (${e.at.host}:${e.at.port})`).join(', ');
  let original: ReadCertificate | undefined;
  let forged: string | undefined;
  let counted: { since: number; before: (ProxyTraffic | undefined)[] } | undefined;

  return {
    kind: 'server certificate',
    description: `${service} presents a certificate that is ${problem}`,
    targets: [service],
    ...(opts.durationMs === undefined ? {} : { durationMs: opts.durationMs }),
    async apply() {
      original = await readIssued(certFile);
      const hosts = original.hosts;
      if (hosts.length === 0)
        throw new Error(
          `${certFile} (the certificate ${service} presents) names no host: it cannot be issued again for the same names`,
        );
      const issued =
        problem === 'signed by an unknown CA'
          ? await pki.issueServerFromOtherCa(original.cn, hosts, { stem })
          : await pki.issueServer(original.cn, hosts, {
              stem,
              ...(problem === 'expired' ? validity.expired() : validity.notYetValid()),
            });
      const presented = await untilPresented(endpoints, issued.serial, TAKES_EFFECT_MS);
      if (!presented.ok)
        throw new Error(
          `the certificate fault had no effect: ${service} still presents ${presented.seen.join(' / ')} at ${shown} ${TAKES_EFFECT_MS} ms after ${certFile} was replaced with serial ${issued.serial} — does it re-read its certificate files?`,
        );
      forged = issued.serial;
      opts.onPresented?.(issued.serial);
      counted = {
        since: Date.now(),
        before: await Promise.all(
          links.map((l) => env.toxiproxy.traffic(proxyName(l)).catch(() => undefined)),
        ),
      };
      return [
        `${service} presents serial ${issued.serial} at ${shown} (a handshake straight to it, ${presented.afterMs} ms after the files were replaced): CN ${issued.cn}, hosts ${hosts.join(', ')}, valid ${issued.notBefore.toISOString()} → ${issued.notAfter.toISOString()}, issued by ${issued.issuer}`,
      ];
    },
    async felt(): Promise<TrafficProof> {
      if (!counted) throw new Error('the server certificate fault was never fully applied');
      const names = links.map((l) => `${l.from} → ${proxyName(l)}`).join(', ');
      if (links.length === 0)
        return {
          ok: false,
          evidence: `no link of the system leads into the TLS ports of ${service}: no client of the system could meet its certificate`,
        };
      const after = await Promise.all(
        links.map((l) => env.toxiproxy.traffic(proxyName(l)).catch(() => undefined)),
      );
      const before = counted.before;
      if (before.some((t) => t === undefined) || after.some((t) => t === undefined))
        return {
          ok: false,
          unknown: true,
          evidence: `the fault proxy cannot count connections on ${names} (GET /proxies/{proxy}/traffic, faultline's extension), so whether a client of the system met the forged certificate is unknown`,
        };
      const opened = links.map((l, i) => ({
        from: `${l.from} → ${l.port ?? service}`,
        accepted: (after[i]?.connections.accepted ?? 0) - (before[i]?.connections.accepted ?? 0),
      }));
      const total = opened.reduce((n, o) => n + Math.max(0, o.accepted), 0);
      const met = opened.filter((o) => o.accepted > 0).map((o) => `${o.from} ${o.accepted}`);
      const heldS = ((Date.now() - counted.since) / 1000).toFixed(1);
      return total > 0
        ? {
            ok: true,
            evidence: `the system's clients opened ${total} TLS connection${total === 1 ? '' : 's'} to ${service} in ${heldS} s while it presented the forged certificate (${met.join(', ')})`,
          }
        : {
            ok: false,
            evidence: `no client of the system opened a connection to ${service}'s TLS ports in ${heldS} s while it presented the forged certificate (${names}): connections kept from before never met it`,
          };
    },
    async undo() {
      const was = original ?? (await readIssued(certFile));
      const renewed = await pki.issueServer(was.cn, was.hosts, { stem });
      // Only a service that served the forged certificate has anything to take back.
      if (forged === undefined) return;
      const presented = await untilPresented(endpoints, renewed.serial, TAKES_EFFECT_MS);
      if (!presented.ok)
        throw new Error(
          `${service} still presents ${presented.seen.join(' / ')} at ${shown} ${TAKES_EFFECT_MS} ms after its certificate was renewed (serial ${renewed.serial})`,
        );
    },
  };
}
