import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { createPki, type IssuedCertificate, type Pki, validity } from '../../support/faults/tls/pki.ts';

// The forge judged by the only authority that matters: OpenSSL inside node:tls. A server that asks for a
// client certificate but completes the handshake anyway reports what it concluded about each one.

interface Verdict {
  authorized: boolean;
  error: string | null;
  serial: string | null;
}

let dir: string;
let pki: Pki;
let server: Server;
let port: number;
let serverCert: IssuedCertificate;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-pki-'));
  pki = await createPki({ dir });
  serverCert = await pki.issueServer('controller', ['localhost', '127.0.0.1']);
});

after(async () => {
  if (server?.listening) await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** (Re)starts the TLS server with the CA and, when written, the current CRL. */
async function startServer(): Promise<void> {
  if (server?.listening) await new Promise((resolve) => server.close(resolve));
  const crl = await readFile(pki.crlFile, 'utf8').catch(() => undefined);
  server = createServer(
    {
      key: serverCert.keyPem,
      cert: serverCert.certPem,
      ca: pki.ca.certPem,
      ...(crl ? { crl } : {}),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (socket: TLSSocket) => {
      const peer = socket.getPeerX509Certificate();
      const verdict: Verdict = {
        authorized: socket.authorized,
        error: socket.authorized ? null : String(socket.authorizationError ?? ''),
        serial: peer?.serialNumber ?? null,
      };
      socket.end(JSON.stringify(verdict));
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
}

/** Connects as a client presenting `cert` (or none) and returns the server's verdict. */
async function present(cert: IssuedCertificate | undefined, host = '127.0.0.1'): Promise<Verdict> {
  const socket = connect({
    host: '127.0.0.1',
    port,
    servername: host === '127.0.0.1' ? undefined : host,
    ca: pki.ca.certPem,
    ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
  });
  socket.setEncoding('utf8');
  let text = '';
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  await once(socket, 'end');
  socket.destroy();
  return JSON.parse(text) as Verdict;
}

describe('certificates issued by the run CA, as node:tls sees them', () => {
  before(() => startServer());

  test('a valid client certificate is authorized, and the peer sees the serial the library reported', async () => {
    const cert = await pki.issueClient('worker-1');
    const verdict = await present(cert);
    assert.deepEqual(verdict, { authorized: true, error: null, serial: cert.serial });
    assert.equal(new X509Certificate(await readFile(cert.certFile)).subject, 'CN=worker-1');
  });

  test('an expired certificate: CERT_HAS_EXPIRED', async () => {
    const cert = await pki.issueClient('worker-1', validity.expired());
    assert.ok(cert.notAfter.getTime() < Date.now());
    assert.equal((await present(cert)).error, 'CERT_HAS_EXPIRED');
  });

  test('a certificate not yet valid: CERT_NOT_YET_VALID', async () => {
    const cert = await pki.issueClient('worker-1', validity.notYetValid());
    assert.ok(cert.notBefore.getTime() > Date.now());
    assert.equal((await present(cert)).error, 'CERT_NOT_YET_VALID');
  });

  test('a certificate from another CA: UNABLE_TO_VERIFY_LEAF_SIGNATURE', async () => {
    const cert = await pki.issueFromOtherCa('worker-1');
    assert.notEqual(cert.issuer, pki.ca.cn);
    const verdict = await present(cert);
    assert.equal(verdict.authorized, false);
    assert.equal(verdict.error, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  test('no certificate at all is not authorized and shows no peer certificate', async () => {
    const verdict = await present(undefined);
    assert.equal(verdict.authorized, false);
    assert.equal(verdict.error, 'UNABLE_TO_GET_ISSUER_CERT');
    assert.equal(verdict.serial, null);
  });

  test('a short-lived certificate is authorized, then expires while the scenario runs', async () => {
    const cert = await pki.issueClient('worker-2', validity.for(1_500));
    assert.equal((await present(cert)).authorized, true);
    await sleep(Math.max(0, cert.notAfter.getTime() - Date.now()) + 1_100);
    assert.equal((await present(cert)).error, 'CERT_HAS_EXPIRED');
  });

  test('the server certificate verifies for each of its hosts, and for no other', async () => {
    const cert = await pki.issueClient('worker-1');
    // The client connects to 127.0.0.1 and checks the IP SAN; then by name.
    assert.equal((await present(cert)).authorized, true);
    assert.equal((await present(cert, 'localhost')).authorized, true);
    await assert.rejects(present(cert, 'elsewhere.example'), /does not match|altnames/i);
  });
});

describe('revocation through the CRL', () => {
  test('a revoked certificate: CERT_REVOKED; its unrevoked sibling stays authorized', async () => {
    const revoked = await pki.issueClient('worker-3');
    const kept = await pki.issueClient('worker-3');
    pki.revoke(revoked);
    const crl = await pki.writeCrl();
    assert.deepEqual(crl.revoked, [revoked.serial]);
    await startServer();
    assert.equal((await present(revoked)).error, 'CERT_REVOKED');
    assert.deepEqual(await present(kept), { authorized: true, error: null, serial: kept.serial });
    // With a CRL loaded, the other cases keep their own verdicts.
    assert.equal(
      (await present(await pki.issueFromOtherCa('worker-3'))).error,
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
    assert.equal(
      (await present(await pki.issueClient('worker-3', validity.expired()))).error,
      'CERT_HAS_EXPIRED',
    );
  });

  test('an empty CRL revokes nothing', async () => {
    const fresh = await createPki({ dir: join(dir, 'fresh') });
    const crl = await fresh.writeCrl();
    assert.deepEqual(crl.revoked, []);
    assert.match(await readFile(crl.file, 'utf8'), /BEGIN X509 CRL/);
  });

  test('only certificates of this CA can be revoked', async () => {
    const foreign = await pki.issueFromOtherCa('worker-4');
    assert.throws(() => pki.revoke(foreign), /not by this PKI's CA/);
  });
});

describe('files', () => {
  test('issuing under the same stem replaces the files (renewal in place)', async () => {
    const first = await pki.issueClient('worker-5', { ...validity.for(60_000), stem: 'worker-5' });
    const second = await pki.issueClient('worker-5', { stem: 'worker-5' });
    assert.equal(first.certFile, second.certFile);
    assert.notEqual(first.serial, second.serial);
    const onDisk = new X509Certificate(await readFile(second.certFile));
    assert.equal(onDisk.serialNumber, second.serial);
    assert.ok(
      onDisk.checkPrivateKey((await import('node:crypto')).createPrivateKey(await readFile(second.keyFile))),
    );
  });

  test('the reported validity is what the certificate says, to the second', async () => {
    const notAfter = new Date(Date.now() + 3_000);
    const cert = await pki.issueClient('worker-6', { notAfter });
    const onDisk = new X509Certificate(cert.certPem);
    assert.equal(onDisk.validToDate.getTime(), cert.notAfter.getTime());
    assert.ok(Math.abs(cert.notAfter.getTime() - notAfter.getTime()) < 1_000);
  });

  test('a window that ends before it starts is refused, saying so', async () => {
    await assert.rejects(
      pki.issueClient('w', { notBefore: new Date(Date.now() + 1000), notAfter: new Date() }),
      /is not after notBefore/,
    );
  });
});
