import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCucumber } from './cucumber-run.ts';

// A suite that cannot fail proves nothing. For each mechanism of the reference platform, switch it off
// (FAULTLINE_PLATFORM_<VAR> reaches the platform as <VAR>) and run the scenario that guards it: the
// scenario must fail, and the failure must name the broken expectation.
const cases = [
  {
    mechanism: 'retry on an alternate worker',
    switch: { FAULTLINE_PLATFORM_RETRY_ENABLED: 'false' },
    run: ['features/network/partition.feature', '--name', 'Controller loses connection to worker fleet'],
    expect:
      /retries on an alternate member of workers: .*never served by an alternate member after failing on worker-\d/,
  },
  {
    mechanism: "the workers' peer gossip",
    switch: { FAULTLINE_PLATFORM_PEER_GOSSIP_INTERVAL_MS: '0' },
    run: ['features/network/split-brain.feature'],
    // Off, the workers never talk to each other: the split cuts links no traffic of the system crosses (an
    // invalid experiment), and the controller, hearing no peer views, detects nothing.
    expect:
      /fault had no effect: no traffic of the system crossed worker-\d → worker-\d.* while it held|detection \(split_brain_detected\) within 5000 ms of each fault: 1 of 1 fault\(s\) were never detected/,
  },
  {
    mechanism: 'certificate validation',
    switch: { FAULTLINE_PLATFORM_TLS_CLIENT_VERIFY: 'false' },
    run: ['features/tls/certificate-expiry.feature', '--name', 'expires mid-scenario'],
    expect: /certificate rejected as expired: no refusal as expired of the forged certificate of worker-\d/,
  },
  {
    mechanism: 'idempotency',
    switch: { FAULTLINE_PLATFORM_IDEMPOTENCY_ENABLED: 'false' },
    run: ['features/data/duplicate-requests.feature'],
    expect: /charged exactly once: .*charged 5 times/,
  },
  {
    mechanism: 'the circuit breaker',
    switch: { FAULTLINE_PLATFORM_BREAKER_ENABLED: 'false' },
    run: ['features/latency/latency-slo.feature'],
    // Off, the slow worker keeps its share of the traffic: its requests still meet the SLO (the attempt
    // timeout is below it), but the breaker never opens and traffic never shifts — or, on a slow machine,
    // the SLO breaks first. Either names what broke.
    expect:
      /at least 95% under fault complete within 500 ms: .*fewer than the required 95%|audit log records breaker_open: no breaker_open event/,
  },
  {
    mechanism: "the controller's Postgres connection recycling (new lookups by name)",
    switch: { FAULTLINE_PLATFORM_PG_MAX_LIFETIME_S: '0' },
    run: ['features/dns/lookups.feature', '--name', 'fail with NXDOMAIN'],
    // Kept connections never look the name up again: the DNS fault meets no lookup of the system.
    expect: /fault had no effect: controller did not look postgres\.faultline up while the fault held/,
  },
  {
    mechanism: 'registration failover to the secondary link',
    // Empty: the workers get no backup address, so they keep calling the lost primary.
    switch: { FAULTLINE_PLATFORM_CONTROLLER_BACKUP_URL: '' },
    run: ['features/network/link-faults.feature', '--name', 'traffic moves to the secondary'],
    expect:
      /fault had no effect: primary — .*; secondary — the traffic did not move there: no traffic of the system crossed worker-1 → controller \(registration-backup\)/,
  },
  {
    mechanism: "the workers' restart policy",
    switch: { FAULTLINE_PLATFORM_WORKER_RESTART: 'never' },
    run: [
      'features/process/process-faults.feature',
      '--name',
      'Two workers killed with SIGKILL restart by themselves',
    ],
    // Off, a killed worker stays down until the fault's undo starts it: nothing restarted it by itself.
    expect:
      /the workers restart within 10000 ms: 2 of 2 exits: worker-\d exited \(signal SIGKILL\) and was started again only by the harness/,
  },
  {
    mechanism: 'the Redis fallback (routing from the last good read of the fleet, a local cursor)',
    switch: { FAULTLINE_PLATFORM_REDIS_FALLBACK_ENABLED: 'false' },
    run: ['features/dependencies/redis.feature', '--name', 'Redis is stopped under load'],
    // Off, every request Redis cannot plan is turned away: 503, worker registry unavailable.
    expect: /error rate under fault below 5%: \d+ of \d+ operations under fault were errors .*× status 503/,
  },
  {
    mechanism: 'strict UTF-8 (the declared charset and the bytes checked)',
    switch: { FAULTLINE_PLATFORM_STRICT_ENCODING: 'false' },
    run: ['features/data/malformed-requests.feature', '--name', 'refused while well-formed'],
    // Off, a Latin-1 or invalid UTF-8 request id is decoded leniently and the request converted (200).
    expect:
      /every malformed document conversion request is rejected with a 4xx status: \d+ of \d+ .*(wrong encoding|invalid UTF-8): .*→ 200/,
  },
  {
    mechanism: 'validation of conversion requests against the contract',
    switch: { FAULTLINE_PLATFORM_STRICT_VALIDATION: 'false' },
    run: ['features/data/malformed-requests.feature', '--name', 'refused while well-formed'],
    // Off, a request missing its document or with a field of the wrong type reaches the conversion code.
    expect:
      /every malformed document conversion request is rejected with a 4xx status: \d+ of \d+ .*\d+ × 5\d\d/,
  },
  {
    mechanism: 'the early body-size limit (refused at its Content-Length, never buffered)',
    switch: { FAULTLINE_PLATFORM_BODY_LIMIT_EARLY: 'false' },
    run: ['features/data/malformed-requests.feature', '--name', 'Oversized'],
    // Off, each 96 MB body is read whole before the 413: the controller's memory grows by hundreds of MB.
    expect: /the controller's memory stays within 64\.0 MB of its baseline: .*more than the 64\.0 MB allowed/,
  },
  {
    mechanism: "re-reading the controller's store secret files",
    switch: { FAULTLINE_PLATFORM_SECRETS_RELOAD: 'false' },
    run: ['features/security/credentials.feature', '--name', 'The postgres password is rotated'],
    // Off, the controller keeps the password it read at start: after the rotation it cannot log in again.
    expect:
      /fault had no effect: no session of conversions was opened on postgres since the rotation|error rate over the whole run below 5%: \d+ of \d+ operations/,
  },
  {
    mechanism: "the controller's report of a store's refusals",
    switch: { FAULTLINE_PLATFORM_REFUSALS_REPORTED: 'false' },
    run: ['features/security/permissions.feature', '--name', 'loses INSERT on the ledger'],
    expect:
      /detection \(permission_denied\) within 5000 ms of each fault: 1 of 1 fault\(s\) were never detected/,
  },
  {
    mechanism: "the controller's own store user",
    // Empty: the controller works as the stores' admin accounts and creates no user of its own.
    switch: { FAULTLINE_PLATFORM_STORE_USER: '' },
    run: ['features/security/credentials.feature', '--name', 'without the controller being told'],
    expect: /Postgres has no role 'conversions'|the secret in .* is not accepted before the fault/,
  },
  {
    mechanism:
      "the workers' starvation report (the share of time their event loop ran late, in each heartbeat, audited as worker_starved)",
    switch: { FAULTLINE_PLATFORM_STARVED_LATE_PERCENT: '0' },
    run: ['features/resource/cpu.feature', '--name', 'held to 5% of a CPU'],
    // Off, a worker held to 5% of a CPU is slow but says nothing: the controller never audits it starved.
    expect:
      /detection \(worker_starved\) within 8000 ms of each fault: 1 of 1 fault\(s\) were never detected/,
  },
  {
    mechanism: "the controller's bounded audit writer",
    // 0: the audit queue has no bound; under a flood and a slow audit store the writer lags behind.
    switch: { FAULTLINE_PLATFORM_AUDIT_QUEUE_LIMIT: '0' },
    run: ['features/security/audit-overflow.feature'],
    expect:
      /every audited rejected registration is recorded within 3000 ms: .* \d+ not recorded — the audit writer lags behind the flood/,
  },
  {
    mechanism: "the controller's view of a Redis that refuses writes (MISCONF) as an outage",
    // Off, a full disk under Redis is an error reply like any other: nothing audits the store as failing.
    switch: { FAULTLINE_PLATFORM_REDIS_WRITE_REFUSAL_OUTAGE: 'false' },
    run: ['features/resource/disk.feature'],
    expect:
      /detection \(dependency_unavailable\) within 3000 ms of each fault: 1 of 1 fault\(s\) were never detected/,
  },
  {
    mechanism: "the controller's re-read of its server certificate",
    // Off, the controller keeps the certificate it loaded at start: the forged one on disk is never served,
    // and the workers never meet it.
    switch: { FAULTLINE_PLATFORM_TLS_CERT_RELOAD: 'false' },
    run: ['features/tls/server-certificate.feature', '--name', 'that is expired'],
    expect:
      /the certificate fault had no effect: controller still presents [0-9A-F]+ \/ [0-9A-F]+ at controller:registration .* does it re-read its certificate files\?/,
  },
];

for (const c of cases) {
  test(`switching off ${c.mechanism} makes its scenario fail`, { timeout: 180_000 }, async () => {
    const result = await runCucumber(c.run, {
      ...c.switch,
      FAULTLINE_BACKEND: process.env.FAULTLINE_BACKEND ?? 'local',
    }).done;
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /1 scenario \(1 failed\)/, result.output);
    assert.match(result.output, c.expect, result.output);
  });
}
