import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { ServerIdentity } from '../../fixtures/platform/controller/server-identity.ts';
import { createLogger } from '../../fixtures/platform/shared/logger.ts';
import { ControllerClient, serverCertificateRefusal } from '../../fixtures/platform/worker/registration.ts';
import type { Environment } from '../../support/env/environment.ts';
import { createPki, type IssuedCertificate, type Pki, readIssued } from '../../support/faults/tls/pki.ts';
import {
  parseServerProblem,
  presentedSerial,
  serverCertificateFault,
  serverStem,
} from '../../support/faults/tls/server-certificate.ts';
import type { Topology } from '../../support/system/topology.ts';

// A server-certificate fault against a real TLS server that re-reads its certificate the way the reference
// controller does (its ServerIdentity), judged by node:tls: the forged certificate keeps the original's
// name and hosts, a handshake straight to the server sees its serial, a client that trusts the run's CA
// refuses it for the right reason, and the undo puts a valid certificate back in the same files. A server
// that loads its certificate once makes the fault fail as having had no effect.

const STEM = 'svc-server';
const HOSTS = ['127.0.0.1', 'localhost', 'svc'];

let dir: string;
let pki: Pki;
let original: IssuedCertificate;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-servercert-'));
  // The fault rewrites files only inside directories the run created or allowed.
  process.env.FAULTLINE_ALLOW_TARGETS = dir;
  pki = await createPki({ dir });
  original = await pki.issueServer('svc', HOSTS, { stem: STEM });
});

after(async () => {
  delete process.env.FAULTLINE_ALLOW_TARGETS;
  await rm(dir, { recursive: true, force: true });
});

/** An HTTPS server on the certificate files; `reload`: it re-reads them (as TLS_CERT_RELOAD does). */
async function serve(reload: boolean): Promise<{ server: Server; port: number; stop: () => Promise<void> }> {
  const files = { ca: pki.ca.certFile, cert: join(dir, `${STEM}.crt`), key: join(dir, `${STEM}.key`) };
  const initial = {
    ca: await readFile(files.ca, 'utf8'),
    cert: await readFile(files.cert, 'utf8'),
    key: await readFile(files.key, 'utf8'),
  };
  // Answers after `?wait=<ms>`: a request in flight while the certificate changes.
  const server = createServer(initial, (req, res) => {
    const wait = Number(new URL(req.url ?? '/', 'https://x').searchParams.get('wait') ?? 0);
    // A heartbeat (POST) is answered as the controller does: 204.
    res.statusCode = req.method === 'POST' ? 204 : 200;
    setTimeout(() => res.end(req.method === 'POST' ? undefined : 'ok'), wait);
  });
  const identity = new ServerIdentity({
    files,
    initial,
    reload,
    pollMs: 50,
    logger: createLogger('test', 'silent'),
  });
  identity.serve(server);
  identity.start();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    stop: async () => {
      identity.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A minimal environment: one service 'svc' speaking TLS on its named port 'tls', no links. */
function envAt(port: number): Environment {
  const topology: Topology = { name: 'test', services: [], links: [], probes: { 'svc:tls': 'tls' } };
  return {
    topology,
    endpoint: (service: string, name?: string) => {
      assert.equal(`${service}:${name}`, 'svc:tls');
      return { host: '127.0.0.1', port };
    },
  } as unknown as Environment;
}

/** What a client that trusts the run's CA concludes about the server's certificate. */
function verify(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: pki.ca.certPem });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve('trusted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('a service presents a bad certificate, and gets a valid one back', () => {
  for (const [problem, refusal] of [
    ['expired', 'CERT_HAS_EXPIRED'],
    ['not yet valid', 'CERT_NOT_YET_VALID'],
    ['signed by an unknown CA', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ] as const)
    test(`${problem}: the handshake sees the forged serial, a client refuses it (${refusal}), the undo renews it`, async () => {
      const { port, stop } = await serve(true);
      try {
        assert.equal(await verify(port), 'trusted');
        const before = await readIssued(original.certFile);
        let forged: string | undefined;
        const fault = serverCertificateFault(
          envAt(port),
          { pki, stemOf: (m) => m, servers: { svc: STEM } },
          'svc',
          parseServerProblem(problem),
          { onPresented: (serial) => (forged = serial) },
        );
        const evidence = await fault.apply();
        assert.ok(forged, 'told the forged serial');
        assert.equal(await presentedSerial({ host: '127.0.0.1', port }), forged);
        assert.match(evidence.join('\n'), new RegExp(`svc presents serial ${forged}`));
        const now = await readIssued(original.certFile);
        // Same name, same hosts: only the problem differs.
        assert.equal(now.cn, 'svc');
        assert.deepEqual(now.hosts, HOSTS);
        assert.notEqual(now.serial, before.serial);
        assert.equal(await verify(port), refusal);

        await fault.undo();
        const renewed = await readIssued(original.certFile);
        assert.notEqual(renewed.serial, forged);
        assert.deepEqual(renewed.hosts, HOSTS);
        assert.equal(await presentedSerial({ host: '127.0.0.1', port }), renewed.serial);
        assert.equal(await verify(port), 'trusted');
      } finally {
        await stop();
      }
    });

  test('a server that loads its certificate once: the fault had no effect, and says why', async () => {
    const { port, stop } = await serve(false);
    try {
      const before = await presentedSerial({ host: '127.0.0.1', port });
      const fault = serverCertificateFault(
        envAt(port),
        { pki, stemOf: (m) => m, servers: { svc: STEM } },
        'svc',
        'expired',
      );
      await assert.rejects(
        fault.apply(),
        new RegExp(
          `the certificate fault had no effect: svc still presents ${before} at svc:tls .* does it re-read its certificate files\\?`,
        ),
      );
      await fault.undo();
      assert.equal(await verify(port), 'trusted');
    } finally {
      await stop();
    }
  });

  test('a service the system declares no server certificate for, and a problem no server can be given', () => {
    assert.throws(
      () => serverStem({ pki, stemOf: (m) => m, servers: { svc: STEM } }, 'redis'),
      /the system declares no server certificate for 'redis' .*; the services with one: svc/,
    );
    assert.throws(
      () => parseServerProblem('revoked'),
      /'revoked' is not a problem a service's certificate can be given .*; accepted: 'expired', 'not yet valid', 'signed by an unknown CA'/,
    );
  });
});

test('a connection busy when the certificate changes is closed after its answer, so the client meets the new one', async () => {
  const { port, stop } = await serve(true);
  const agent = new Agent({ keepAlive: true, ca: pki.ca.certPem });
  const get = (path: string) =>
    new Promise<{ connection: string | undefined; serial: string | undefined }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
        // The socket goes back to the agent once the answer is read: ask it first.
        const serial = (res.socket as TLSSocket).getPeerX509Certificate()?.serialNumber;
        res.resume();
        res.on('end', () => resolve({ connection: res.headers.connection, serial }));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    const first = await get('/');
    assert.equal(first.connection, 'keep-alive');
    const inFlight = get('/?wait=600');
    await new Promise((r) => setTimeout(r, 100));
    const renewed = await pki.issueServer('svc', HOSTS, { stem: STEM });
    // Wait until a fresh handshake sees it: the server has loaded it.
    while ((await presentedSerial({ host: '127.0.0.1', port })) !== renewed.serial)
      await new Promise((r) => setTimeout(r, 20));
    const answered = await inFlight;
    assert.equal(answered.connection, 'close', 'the old session is let go after its answer');
    assert.equal(answered.serial, first.serial);
    const next = await get('/');
    assert.equal(next.serial, renewed.serial, 'the next call handshakes again and meets the new certificate');
  } finally {
    agent.destroy();
    await stop();
  }
});

test("the worker's client refuses each forged certificate of the controller, for its reason, and is back after the undo", async () => {
  const { port, stop } = await serve(true);
  const identity = await pki.issueClient('worker-1');
  const client = new ControllerClient({
    controllerUrl: `https://127.0.0.1:${port}`,
    timeoutMs: 2_000,
    tls: { certFile: identity.certFile, keyFile: identity.keyFile, caFile: pki.ca.certFile },
  });
  try {
    assert.equal(await client.heartbeat('worker-1'), 'ok');
    for (const [problem, reason] of [
      ['expired', 'expired'],
      ['not yet valid', 'not_yet_valid'],
      ['signed by an unknown CA', 'unknown_ca'],
    ] as const) {
      const fault = serverCertificateFault(
        envAt(port),
        { pki, stemOf: (m) => m, servers: { svc: STEM } },
        'svc',
        problem,
      );
      await fault.apply();
      // The kept-alive connection was let go by the server: this call handshakes again and meets it.
      const refused = await client.heartbeat('worker-1').then(
        () => undefined,
        (error: unknown) => serverCertificateRefusal(error),
      );
      assert.equal(refused?.reason, reason, `${problem}: ${JSON.stringify(refused)}`);
      await fault.undo();
      assert.equal(await client.heartbeat('worker-1'), 'ok');
    }
  } finally {
    await client.close();
    await stop();
  }
});
