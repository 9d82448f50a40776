import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import type { RunningController } from '../../fixtures/platform/controller/app.ts';
import type { LocalProcess } from '../../support/env/local/process.ts';
import { createPki, type IssuedCertificate, type Pki, validity } from '../../support/faults/tls/pki.ts';
import {
  type AuditRow,
  auditRows,
  CONTROLLER_MAIN,
  document,
  eventually,
  fleet,
  fleetHealthy,
  inProcessController,
  logLine,
  logRecords,
  postJson,
  postTls,
  type Stores,
  spawnService,
  startStores,
  Teardown,
  testControllerConfig,
  WORKER_MAIN,
} from './helpers.ts';

// Mutual TLS between workers and the controller, with real certificates from the run's CA, real TLS
// handshakes, and workers as child processes whose log lines are the evidence a scenario reads.

const teardown = new Teardown();
let stores: Stores;
let dir: string;
let pki: Pki;
let controller: RunningController;
let serverCert: IssuedCertificate;
/** Far longer than any wait here: a refused worker must leave routing at once, not when its TTL runs out. */
const TTL_MS = 15_000;

before(async () => {
  stores = await startStores(teardown);
  dir = await mkdtemp(join(tmpdir(), 'faultline-mtls-'));
  teardown.add(() => rm(dir, { recursive: true, force: true }));
  pki = await createPki({ dir });
  serverCert = await pki.issueServer('controller', ['127.0.0.1', 'localhost']);
  await pki.writeCrl();
  controller = await inProcessController(teardown, testControllerConfig(stores, tlsEnv()));
  assert.ok(controller.tlsUrl, 'the controller serves a TLS listener');
});
after(() => teardown.run());

function tlsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TLS_CA_FILE: pki.ca.certFile,
    TLS_CERT_FILE: serverCert.certFile,
    TLS_KEY_FILE: serverCert.keyFile,
    TLS_CRL_FILE: pki.crlFile,
    HEARTBEAT_TTL_MS: String(TTL_MS),
    ...extra,
  };
}

/** A worker child process registering over mutual TLS with `cert` (none: no client certificate). */
async function startWorker(
  t: TestContext,
  id: string,
  cert: IssuedCertificate | undefined,
  controllerTlsUrl = controller.tlsUrl as string,
): Promise<LocalProcess> {
  const local = new Teardown();
  t.after(() => local.run());
  const { process } = await spawnService(local, id, WORKER_MAIN, {
    WORKER_ID: id,
    CONTROLLER_URL: controllerTlsUrl,
    TLS_CA_FILE: pki.ca.certFile,
    ...(cert ? { TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile } : {}),
    HEARTBEAT_INTERVAL_MS: '200',
    COST_MS_PER_MB: '0',
  });
  return process;
}

function rejections(workerId: string): Promise<AuditRow[]> {
  return auditRows(stores.db, "event = 'registration_rejected' AND worker_id = $1", [workerId]);
}

async function convert(url: string, id: string): Promise<{ status: number; worker?: string; at: number }> {
  const at = Date.now();
  const reply = await postJson(`${url}/v1/conversions`, {
    request_id: id,
    document: document(256),
    target_format: 'txt',
  });
  return { status: reply.status, worker: reply.body.worker_id, at };
}

describe('registration over mutual TLS', () => {
  test('every refused certificate: 403 with its reason, an audit row naming the certificate, and the worker logs that renewal is required', async (t) => {
    const revoked = await pki.issueClient('rj-revoked');
    pki.revoke(revoked);
    await pki.writeCrl();
    const cases: { id: string; cert: IssuedCertificate | undefined; reason: string; code: string }[] = [
      {
        id: 'rj-expired',
        cert: await pki.issueClient('rj-expired', validity.expired()),
        reason: 'expired',
        code: 'CERT_HAS_EXPIRED',
      },
      {
        id: 'rj-early',
        cert: await pki.issueClient('rj-early', validity.notYetValid()),
        reason: 'not_yet_valid',
        code: 'CERT_NOT_YET_VALID',
      },
      {
        id: 'rj-foreign',
        cert: await pki.issueFromOtherCa('rj-foreign'),
        reason: 'unknown_ca',
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      },
      { id: 'rj-revoked', cert: revoked, reason: 'revoked', code: 'CERT_REVOKED' },
      { id: 'rj-missing', cert: undefined, reason: 'missing', code: 'NO_CLIENT_CERTIFICATE' },
      {
        id: 'rj-imposter',
        cert: await pki.issueClient('someone-else'),
        reason: 'identity_mismatch',
        code: 'IDENTITY_MISMATCH',
      },
    ];

    // The controller's answer, first hand.
    for (const c of cases) {
      const reply = await postTls<{
        error: string;
        reason: string;
        code: string;
        certificate?: { serial: string };
      }>(
        `${controller.tlsUrl}/v1/workers/register`,
        { id: c.id, url: 'http://127.0.0.1:1' },
        { caFile: pki.ca.certFile, certFile: c.cert?.certFile, keyFile: c.cert?.keyFile },
      );
      assert.equal(reply.status, 403, `${c.id}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.reason, c.reason, c.id);
      assert.equal(reply.body.code, c.code, c.id);
      assert.equal(
        reply.body.certificate?.serial,
        c.cert?.serial,
        `${c.id}: the refused certificate is named`,
      );
    }

    // Real workers presenting the same certificates.
    const workers = await Promise.all(cases.map((c) => startWorker(t, c.id, c.cert)));
    for (const [i, c] of cases.entries()) {
      const worker = workers[i] as LocalProcess;
      const line = await logLine(
        worker,
        `"certificate renewal required" (${c.reason})`,
        (r) => r.msg === 'certificate renewal required',
      );
      assert.equal(line.reason, c.reason, c.id);
      assert.equal(line.code, c.code, c.id);
      assert.equal(line.status, 403, c.id);
      if (c.cert) assert.equal((line.certificate as { serial?: string }).serial, c.cert.serial, c.id);
      const rows = await rejections(c.id);
      assert.ok(rows.length >= 2, `${c.id}: the direct refusal and the worker's are both audited`);
      for (const row of rows) {
        assert.equal(row.detail.reason, c.reason, c.id);
        assert.equal(row.detail.code, c.code, c.id);
        assert.equal(row.detail.route, 'register', c.id);
        assert.equal(row.detail.serial, c.cert?.serial, `${c.id}: audit names the serial`);
        assert.equal(row.detail.not_after, c.cert?.notAfter.toISOString(), `${c.id}: audit names notAfter`);
      }
    }
    // A refused worker keeps trying (with backoff) and is never admitted.
    await eventually('refused workers retry', async () =>
      workers.every((w) => logRecords(w, (r) => r.msg === 'certificate renewal required').length >= 2)
        ? true
        : undefined,
    );
    const listed = await fleet(controller.url);
    for (const [i, c] of cases.entries()) {
      assert.equal(listed.get(c.id), undefined, `${c.id} is not in the fleet`);
      assert.deepEqual(
        logRecords(workers[i] as LocalProcess, (r) => r.msg === 'registered'),
        [],
        `${c.id} never logged "registered"`,
      );
    }
    const admitted = await auditRows(stores.db, "event = 'worker_registered' AND worker_id LIKE 'rj-%'");
    assert.deepEqual(admitted, []);
  });

  test('plain HTTP is refused with "registration requires mutual TLS"; a valid certificate is admitted over TLS and heartbeats there', async (t) => {
    const plain = await postJson(`${controller.url}/v1/workers/register`, {
      id: 'ok-1',
      url: 'http://127.0.0.1:1',
    });
    assert.equal(plain.status, 403);
    assert.match(plain.body.error ?? '', /registration requires mutual TLS/);
    const beat = await postJson(`${controller.url}/v1/workers/ok-1/heartbeat`, undefined);
    assert.equal(beat.status, 403);
    const refused = await rejections('ok-1');
    assert.deepEqual(
      refused.map((r) => [r.detail.reason, r.detail.route]),
      [
        ['mutual_tls_required', 'register'],
        ['mutual_tls_required', 'heartbeat'],
      ],
    );

    const cert = await pki.issueClient('ok-1');
    const worker = await startWorker(t, 'ok-1', cert);
    await logLine(worker, '"registered"', (r) => r.msg === 'registered');
    await fleetHealthy(controller.url, ['ok-1']);
    const registered = await auditRows(stores.db, "event = 'worker_registered' AND worker_id = 'ok-1'");
    assert.equal(registered.length, 1);
    // Heartbeats over TLS keep it fresh well past several intervals.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const listed = (await fleet(controller.url)).get('ok-1');
    assert.equal(listed?.healthy, true);
    assert.ok(
      (listed?.last_heartbeat_ms_ago ?? Infinity) < 1_000,
      `heartbeat ${listed?.last_heartbeat_ms_ago} ms ago`,
    );
    assert.equal((await rejections('ok-1')).length, 2, 'no further refusals');
  });
});

describe('a certificate that changes while the platform runs', () => {
  test('expiry mid-run: the worker is refused at its next heartbeat and routed no more while the other serves; a renewed certificate re-admits it', async (t) => {
    const first = await pki.issueClient('exp-a', { stem: 'exp-a' });
    const healthy = await pki.issueClient('exp-b', { stem: 'exp-b' });
    const a = await startWorker(t, 'exp-a', first);
    await startWorker(t, 'exp-b', healthy);
    await fleetHealthy(controller.url, ['exp-a', 'exp-b']);

    // Steady traffic through the expiry.
    const served: Awaited<ReturnType<typeof convert>>[] = [];
    let running = true;
    const load = (async () => {
      for (let i = 0; running; i++) {
        served.push(await convert(controller.url, `exp-${i}`));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    t.after(async () => {
      running = false;
      await load;
    });
    await eventually('exp-a serves', async () =>
      served.some((s) => s.worker === 'exp-a') ? true : undefined,
    );

    // The harness's move: the worker's certificate files now hold one that expires in 2.5 s. The worker
    // reads them at its next heartbeat, which passes until then.
    const shortLived = await pki.issueClient('exp-a', { ...validity.for(2_500), stem: 'exp-a' });
    const swappedAt = Date.now();
    const [rejection] = await eventually(
      'exp-a refused as expired',
      async () => {
        const rows = await rejections('exp-a');
        return rows.length > 0 ? rows : undefined;
      },
      10_000,
    );
    assert.ok(rejection);
    assert.equal(rejection.detail.reason, 'expired');
    assert.equal(rejection.detail.code, 'CERT_HAS_EXPIRED');
    assert.equal(rejection.detail.route, 'heartbeat');
    assert.equal(
      rejection.detail.serial,
      shortLived.serial,
      'the certificate re-read from disk was presented',
    );
    assert.equal(rejection.detail.was_registered, true);
    assert.ok(rejection.at.getTime() >= shortLived.notAfter.getTime(), 'not refused before it expired');
    const noticedMs = rejection.at.getTime() - shortLived.notAfter.getTime();
    assert.ok(
      noticedMs < 3_000,
      `refused ${noticedMs} ms after notAfter (heartbeat every 200 ms; the TTL, ${TTL_MS} ms, played no part)`,
    );
    assert.ok(
      served.some(
        (s) => s.worker === 'exp-a' && s.at > swappedAt && s.at < shortLived.notAfter.getTime() - 300,
      ),
      'exp-a kept serving with the short-lived certificate until it expired',
    );

    const listed = await fleet(controller.url);
    assert.equal(listed.get('exp-a')?.healthy, false);
    assert.equal(listed.get('exp-a')?.rejected, 'expired');
    const renewal = await logLine(a, 'renewal required', (r) => r.msg === 'certificate renewal required');
    assert.equal(renewal.reason, 'expired');

    // Once refused, every request goes to exp-b, and every one succeeds.
    const refusedAt = rejection.at.getTime();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const afterwards = served.filter((s) => s.at > refusedAt + 50);
    assert.ok(afterwards.length >= 5, `${afterwards.length} requests after the refusal`);
    assert.deepEqual(
      [...new Set(afterwards.map((s) => `${s.status} ${s.worker}`))],
      ['200 exp-b'],
      'after the refusal only exp-b serves, and nothing fails',
    );

    // Renewal in place: the worker re-reads its files and is admitted again.
    const renewed = await pki.issueClient('exp-a', { stem: 'exp-a' });
    await eventually('exp-a registered again', async () =>
      logRecords(a, (r) => r.msg === 'registered').length >= 2 ? true : undefined,
    );
    const readmitted = await auditRows(
      stores.db,
      "event = 'worker_registered' AND worker_id = 'exp-a' AND at > $1",
      [rejection.at],
    );
    assert.equal(readmitted.length, 1);
    await fleetHealthy(controller.url, ['exp-a', 'exp-b']);
    assert.equal((await fleet(controller.url)).get('exp-a')?.rejected, undefined);
    const mark = served.length;
    await eventually('exp-a serves again', async () =>
      served.slice(mark).some((s) => s.worker === 'exp-a') ? true : undefined,
    );
    running = false;
    await load;
    assert.notEqual(renewed.serial, shortLived.serial);
    assert.notEqual(first.serial, shortLived.serial);
  });

  test('revocation mid-run: rewriting the CRL refuses the worker at its next heartbeat', async (t) => {
    const cert = await pki.issueClient('rev-a');
    const worker = await startWorker(t, 'rev-a', cert);
    await fleetHealthy(controller.url, ['rev-a']);
    pki.revoke(cert);
    await pki.writeCrl();
    const line = await logLine(worker, 'renewal required', (r) => r.msg === 'certificate renewal required');
    assert.equal(line.reason, 'revoked');
    const [row] = await rejections('rev-a');
    assert.equal(row?.detail.reason, 'revoked');
    assert.equal(row?.detail.serial, cert.serial);
    assert.equal((await fleet(controller.url)).get('rev-a')?.healthy, false);
  });
});

describe('the controller entrypoint with mutual TLS', () => {
  test('logs one listening line carrying both ports, and serves registration on the TLS port', async (t) => {
    const local = new Teardown();
    t.after(() => local.run());
    const { process: proc, port } = await spawnService(local, 'controller-tls', CONTROLLER_MAIN, {
      REDIS_URL: stores.redis.url,
      DATABASE_URL: stores.postgres.url,
      ...tlsEnv(),
    });
    const lines = logRecords(proc, (r) => r.msg === 'listening');
    assert.equal(lines.length, 1, 'exactly one listening line');
    const [line] = lines;
    assert.equal(line?.port, port);
    assert.equal(typeof line?.tls_port, 'number');
    assert.notEqual(line?.tls_port, port);
    const cert = await pki.issueClient('entry-1');
    const admitted = await postTls(
      `https://127.0.0.1:${line?.tls_port}/v1/workers/register`,
      { id: 'entry-1', url: 'http://127.0.0.1:1' },
      { caFile: pki.ca.certFile, certFile: cert.certFile, keyFile: cert.keyFile },
    );
    assert.equal(admitted.status, 201);
    const plain = await postJson(`http://127.0.0.1:${port}/v1/workers/register`, {
      id: 'entry-1',
      url: 'http://127.0.0.1:1',
    });
    assert.equal(plain.status, 403);
  });
});

describe('detection power', () => {
  test('TLS_CLIENT_VERIFY=false admits an expired certificate, so a certificate-expiry scenario would fail', async (t) => {
    const local = new Teardown();
    t.after(() => local.run());
    const lax = await inProcessController(
      local,
      testControllerConfig(stores, tlsEnv({ TLS_CLIENT_VERIFY: 'false' })),
    );
    const expired = await pki.issueClient('lax-a', validity.expired());
    const worker = await startWorker(t, 'lax-a', expired, lax.tlsUrl);
    await logLine(worker, '"registered"', (r) => r.msg === 'registered');
    await fleetHealthy(lax.url, ['lax-a']);
    assert.deepEqual(await rejections('lax-a'), []);
    assert.deepEqual(
      logRecords(worker, (r) => r.msg === 'certificate renewal required'),
      [],
    );
    // The same certificate, judged by the verifying controller.
    const strict = await postTls<{ reason: string }>(
      `${controller.tlsUrl}/v1/workers/register`,
      { id: 'lax-a', url: 'http://127.0.0.1:1' },
      { caFile: pki.ca.certFile, certFile: expired.certFile, keyFile: expired.keyFile },
    );
    assert.equal(strict.status, 403);
    assert.equal(strict.body.reason, 'expired');
  });
});
