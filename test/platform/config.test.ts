import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { controllerConfig } from '../../fixtures/platform/controller/config.ts';
import { ConfigError } from '../../fixtures/platform/shared/config.ts';
import { workerConfig } from '../../fixtures/platform/worker/config.ts';
import { createPki } from '../../support/faults/tls/pki.ts';
import { CONTROLLER_MAIN, WORKER_MAIN } from './helpers.ts';

const STORES = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  DATABASE_URL: 'postgres://faultline@127.0.0.1:5432/faultline',
};

function configErrorLines(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.lines;
  }
  assert.fail('configuration was accepted');
}

test('controller defaults match the documented contract', () => {
  const c = controllerConfig(STORES);
  assert.deepEqual(c, {
    host: '127.0.0.1',
    port: 0,
    redisUrl: STORES.REDIS_URL,
    databaseUrl: STORES.DATABASE_URL,
    pgMaxLifetimeS: 0,
    attemptTimeoutMs: 1000,
    attemptTimeoutPerMbMs: 400,
    retry: { enabled: true, maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1000 },
    heartbeatTtlMs: 3000,
    breaker: { enabled: true, threshold: 3, halfOpenAfterMs: 5000 },
    concurrencyLimit: 256,
    workerMaxInFlight: 8,
    queueTimeoutMs: 30000,
    idempotency: true,
    redisFallback: { enabled: true, fleetMaxAgeMs: 10000, writeRefusalIsOutage: true },
    tls: undefined,
    requests: {
      maxBodyBytes: 128 * 1024 * 1024,
      earlyLimit: true,
      strictEncoding: true,
      strictValidation: true,
    },
    storeUser: undefined,
    refusalsReported: true,
    auditQueueLimit: 50,
    logLevel: 'info',
  });
  const custom = controllerConfig({
    ...STORES,
    RETRY_ENABLED: 'false',
    RETRY_MAX_ATTEMPTS: '3',
    ATTEMPT_TIMEOUT_MS: '250',
    CONTROLLER_PORT: '8080',
  });
  assert.equal(custom.retry.enabled, false);
  assert.equal(custom.retry.maxAttempts, 3);
  assert.equal(custom.attemptTimeoutMs, 250);
  assert.equal(custom.port, 8080);
});

test('every bad controller variable is reported with its value and what is accepted', () => {
  const lines = configErrorLines(() =>
    controllerConfig({
      REDIS_URL: 'http://127.0.0.1:6379',
      RETRY_ENABLED: 'yes',
      ATTEMPT_TIMEOUT_MS: '1.5s',
      CONTROLLER_PORT: '70000',
      LOG_LEVEL: 'loud',
    }),
  );
  assert.deepEqual(lines.sort(), [
    'ATTEMPT_TIMEOUT_MS="1.5s" is invalid: expected an integer from 1 to 600000',
    'CONTROLLER_PORT="70000" is invalid: expected an integer from 0 to 65535',
    'DATABASE_URL is not set: expected a postgres:// or postgresql:// URL such as postgres://faultline@127.0.0.1:5432/faultline',
    'LOG_LEVEL="loud" is invalid: expected one of fatal, error, warn, info, debug, trace, silent',
    'REDIS_URL="http://127.0.0.1:6379" is invalid: expected a redis:// URL such as redis://127.0.0.1:6379',
    'RETRY_ENABLED="yes" is invalid: expected true or false',
  ]);
});

test('a maximum retry delay below the base delay is refused', () => {
  const lines = configErrorLines(() =>
    controllerConfig({ ...STORES, RETRY_BASE_DELAY_MS: '200', RETRY_MAX_DELAY_MS: '100' }),
  );
  assert.deepEqual(lines, [
    'RETRY_MAX_DELAY_MS="100" is invalid: expected an integer at least RETRY_BASE_DELAY_MS (200)',
  ]);
});

test('v2 switches: each mechanism can be turned off, and bad values say what is accepted', () => {
  const off = controllerConfig({
    ...STORES,
    BREAKER_ENABLED: 'false',
    CONCURRENCY_LIMIT: '0',
    IDEMPOTENCY_ENABLED: 'false',
    ATTEMPT_TIMEOUT_PER_MB_MS: '0',
  });
  assert.equal(off.breaker.enabled, false);
  assert.equal(off.concurrencyLimit, 0);
  assert.equal(off.idempotency, false);
  assert.equal(off.attemptTimeoutPerMbMs, 0);
  const lines = configErrorLines(() =>
    controllerConfig({
      ...STORES,
      BREAKER_THRESHOLD: '0',
      BREAKER_HALF_OPEN_MS: 'soon',
      CONCURRENCY_LIMIT: '-1',
      IDEMPOTENCY_ENABLED: 'no',
      BREAKER_ENABLED: '1',
    }),
  );
  assert.deepEqual(lines.sort(), [
    'BREAKER_ENABLED="1" is invalid: expected true or false',
    'BREAKER_HALF_OPEN_MS="soon" is invalid: expected an integer from 1 to 3600000',
    'BREAKER_THRESHOLD="0" is invalid: expected an integer from 1 to 10000',
    'CONCURRENCY_LIMIT="-1" is invalid: expected an integer from 0 to 1000000',
    'IDEMPOTENCY_ENABLED="no" is invalid: expected true or false',
  ]);
});

test('mutual TLS: the three files go together, must exist and be usable; TLS-only settings need TLS', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-config-'));
  try {
    const pki = await createPki({ dir });
    const server = await pki.issueServer('controller', ['127.0.0.1']);
    const files = {
      TLS_CA_FILE: pki.ca.certFile,
      TLS_CERT_FILE: server.certFile,
      TLS_KEY_FILE: server.keyFile,
    };
    const on = controllerConfig({
      ...STORES,
      ...files,
      CONTROLLER_TLS_PORT: '9443',
      TLS_CLIENT_VERIFY: 'false',
    });
    assert.deepEqual(on.tls, {
      caFile: pki.ca.certFile,
      certFile: server.certFile,
      keyFile: server.keyFile,
      crlFile: undefined,
      port: 9443,
      backupPort: undefined,
      clientVerify: false,
      certReload: true,
    });
    assert.deepEqual(
      configErrorLines(() => controllerConfig({ ...STORES, TLS_CA_FILE: pki.ca.certFile })).sort(),
      [
        'TLS_CERT_FILE is not set: expected a PEM file path, since TLS_CA_FILE is set (mutual TLS needs TLS_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE together)',
        'TLS_KEY_FILE is not set: expected a PEM file path, since TLS_CA_FILE is set (mutual TLS needs TLS_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE together)',
      ],
    );
    assert.deepEqual(
      configErrorLines(() =>
        controllerConfig({ ...STORES, ...files, TLS_CRL_FILE: join(dir, 'nowhere.crl') }),
      ),
      [
        `TLS_CRL_FILE=${JSON.stringify(join(dir, 'nowhere.crl'))} is invalid: expected the path of a PEM certificate revocation list (X509 CRL) (no such file)`,
      ],
    );
    assert.deepEqual(
      configErrorLines(() => controllerConfig({ ...STORES, CONTROLLER_TLS_PORT: '9443' })),
      [
        'CONTROLLER_TLS_PORT="9443" is invalid: it needs mutual TLS, which is off (set TLS_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE, or unset CONTROLLER_TLS_PORT)',
      ],
    );
    // A key that belongs to another certificate.
    const other = await pki.issueClient('w1');
    const [mismatch] = configErrorLines(() =>
      controllerConfig({ ...STORES, ...files, TLS_KEY_FILE: other.keyFile }),
    );
    assert.match(mismatch ?? '', /^TLS_CERT_FILE with TLS_KEY_FILE cannot be used: .*key values mismatch/);
    // The worker: certificate and key together.
    assert.deepEqual(
      configErrorLines(() =>
        workerConfig({
          WORKER_ID: 'w1',
          CONTROLLER_URL: 'https://127.0.0.1:1',
          TLS_CERT_FILE: other.certFile,
        }),
      ),
      [
        'TLS_KEY_FILE is not set: expected a PEM file path, since TLS_CERT_FILE is set (a client certificate needs both)',
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('worker configuration: defaults, and a missing or malformed id', () => {
  const w = workerConfig({ WORKER_ID: 'worker-1', CONTROLLER_URL: 'http://127.0.0.1:9000' });
  assert.equal(w.heartbeatIntervalMs, 1000);
  assert.equal(w.costMsPerMb, 100);
  assert.equal(w.advertiseUrl, undefined);
  assert.equal(w.host, '127.0.0.1');
  assert.deepEqual(w.peers, []);
  assert.equal(w.peerGossipIntervalMs, 400);
  assert.equal(w.peerUnreachableAfterMs, 1500);
  // The worker's own entry in PEER_URLS is dropped: a worker does not gossip with itself.
  const peered = workerConfig({
    WORKER_ID: 'worker-1',
    CONTROLLER_URL: 'http://127.0.0.1:9000',
    PEER_URLS: 'worker-1=http://127.0.0.1:9001, worker-2=http://127.0.0.1:9002',
  });
  assert.deepEqual(peered.peers, [{ id: 'worker-2', url: 'http://127.0.0.1:9002' }]);
  assert.deepEqual(
    configErrorLines(() =>
      workerConfig({ WORKER_ID: 'worker-1', CONTROLLER_URL: 'http://x:1', PEER_URLS: 'worker-2:9002' }),
    ),
    [
      'PEER_URLS="worker-2:9002" is invalid: expected comma-separated id=url pairs of the other workers, e.g. worker-2=http://127.0.0.1:9002,worker-3=http://127.0.0.1:9003',
    ],
  );
  const lines = configErrorLines(() =>
    workerConfig({ WORKER_ID: 'worker 1', COST_MS_PER_MB: '-5', ADVERTISE_URL: 'localhost:9001' }),
  );
  assert.deepEqual(lines.sort(), [
    'ADVERTISE_URL="localhost:9001" is invalid: expected an http:// or https:// URL such as http://127.0.0.1:9001',
    'CONTROLLER_URL is not set: expected an http:// or https:// URL such as http://127.0.0.1:8080',
    'COST_MS_PER_MB="-5" is invalid: expected an integer from 0 to 600000',
    "WORKER_ID=\"worker 1\" is invalid: expected 1 to 64 letters, digits, '.', '_' or '-'",
  ]);
});

for (const [service, main, env, variable] of [
  ['controller', CONTROLLER_MAIN, { ...STORES, RETRY_ENABLED: 'maybe' }, 'RETRY_ENABLED="maybe"'],
  [
    'worker',
    WORKER_MAIN,
    { WORKER_ID: 'w1', CONTROLLER_URL: 'http://127.0.0.1:1', HEARTBEAT_INTERVAL_MS: 'often' },
    'HEARTBEAT_INTERVAL_MS="often"',
  ],
] as const) {
  test(`the ${service} entrypoint exits 2 with one stderr line on a bad value, before touching anything`, () => {
    const run = spawnSync(process.execPath, [main], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 15_000,
    });
    assert.equal(run.status, 2, `exit status (stderr: ${run.stderr})`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0] ?? '',
      new RegExp(`^${service}: invalid configuration: ${variable} is invalid: expected `),
    );
    assert.equal(run.stdout, '', 'nothing is logged before the configuration is valid');
  });
}

test('a store user needs both password files, each a readable file', () => {
  assert.deepEqual(
    configErrorLines(() =>
      controllerConfig({ ...STORES, STORE_USER: 'conversions', REDIS_PASSWORD_FILE: '/nonexistent/redis' }),
    ),
    [
      'REDIS_PASSWORD_FILE="/nonexistent/redis" is invalid: expected the path of a file holding the Redis password of STORE_USER (no such file)',
    ],
  );
  assert.deepEqual(
    configErrorLines(() =>
      controllerConfig({ ...STORES, STORE_USER: 'conversions', REDIS_PASSWORD_FILE: import.meta.filename }),
    ),
    [
      'POSTGRES_PASSWORD_FILE is not set: expected the path of the file holding the password, since STORE_USER="conversions" is set',
    ],
  );
});
