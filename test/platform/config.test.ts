import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { controllerConfig } from '../../fixtures/platform/controller/config.ts';
import { ConfigError } from '../../fixtures/platform/shared/config.ts';
import { workerConfig } from '../../fixtures/platform/worker/config.ts';
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
    attemptTimeoutMs: 1000,
    retry: { enabled: true, maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1000 },
    heartbeatTtlMs: 3000,
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

test('worker configuration: defaults, and a missing or malformed id', () => {
  const w = workerConfig({ WORKER_ID: 'worker-1', CONTROLLER_URL: 'http://127.0.0.1:9000' });
  assert.equal(w.heartbeatIntervalMs, 1000);
  assert.equal(w.costMsPerMb, 100);
  assert.equal(w.advertiseUrl, undefined);
  assert.equal(w.host, '127.0.0.1');
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
