import { nobodyCanRun, UNREACHABLE } from '../helpers/unprivileged.ts';
// The DNS fault against the real thing, on each backend: a service that looks its dependency up by name
// (test/dns/looker.ts, a lookup every 50 ms) in its own resolver configuration; each way of failing its
// lookups is applied (proof: a lookup from inside the service resolves before and fails after), felt (the
// service's own lookups met it), undone and verified clean (no override left, the lookup resolves again);
// the other service's lookups are never touched; a fault aimed at a service that looks nothing up is refused
// before anything is applied. Without root, the local backend runs such a system by address and a DNS fault
// says what it needs.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { localDnsMissing } from '../../support/dns/local.ts';
import { probeName } from '../../support/dns/names.ts';
import { LOOKUP_FAILURES } from '../../support/dns/resolver.ts';
import { containersBackend } from '../../support/env/containers/backend.ts';
import type { Backend, Environment } from '../../support/env/environment.ts';
import { localBackend } from '../../support/env/local/backend.ts';
import { lookupFailure } from '../../support/faults/dns/lookup.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { defineSystem, service } from '../../support/system/declare.ts';
import { instantiate } from '../../support/system/instantiate.ts';
import { needsEngine } from '../containers/engine.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));

const system = defineSystem({
  services: [
    service('api', { command: ['node', 'looker.ts'], cwd: HERE }),
    service('db', { command: ['node', 'looker.ts'], cwd: HERE }),
    // Looks both up by name; only its lookups of api are faulted.
    service('app', {
      command: ['node', 'looker.ts'],
      cwd: HERE,
      env: (w) => ({ TARGET: w.host('api'), OTHER: w.host('db') }),
    }),
  ],
});
const { topology } = instantiate(system, {}, { name: 'dns-pair', baseDir: HERE, origin: 'test' });

after(async () => {
  await containersBackend.shutdown().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function exercise(backend: Backend): Promise<void> {
  const env: Environment = await backend.up(topology, { seed: 3 });
  try {
    assert.deepEqual(topology.lookups, [
      { from: 'app', to: 'api' },
      { from: 'app', to: 'db' },
    ]);
    const dns = env.dns;
    assert.ok(dns, 'an environment whose services look names up has a resolver');
    assert.deepEqual(dns.vantages, ['app']);
    for (const failure of LOOKUP_FAILURES) {
      const ledger = new FaultLedger();
      const record = await ledger.inject(lookupFailure(env, 'app', 'api', failure));
      assert.equal(record.state, 'active');
      assert.match(
        record.evidence[0] ?? '',
        new RegExp(
          `^app → api\\.faultline \\(faultline's resolver at [\\d.]+:53\\): resolved to [\\d.]+ in \\d+ ms before; ${failure}: not resolved after \\d+ ms while the fault holds$`,
        ),
      );
      assert.deepEqual(dns.resolver.overrides, [`app → api.faultline: ${failure}`]);
      // Only this vantage and this name: app's other name still resolves.
      assert.equal((await dns.lookupFrom('app', probeName('db'))).ok, true);
      await sleep(failure === 'no answer' ? 2_500 : 600);
      assert.deepEqual(await ledger.rollback(), []);
      assert.equal(record.state, 'undone');
      assert.equal(record.felt?.ok, true, record.felt?.evidence);
      assert.match(
        record.felt?.evidence ?? '',
        new RegExp(
          `^the system's own lookups met the fault: app looked api\\.faultline up \\d+ time\\(s\\) in [\\d.]+ s, [1-9]\\d* failed with ${failure}$`,
        ),
      );
      assert.match(
        record.evidence.at(-1) ?? '',
        /^after the undo: app → api\.faultline resolved to [\d.]+ in \d+ ms$/,
      );
      // Verified clean: nothing overridden, and the service resolves the name again.
      assert.deepEqual(dns.resolver.overrides, []);
      const again = await dns.lookupFrom('app', probeName('api'));
      assert.equal(again.ok, true, again.detail);
    }
    // Guarded: a service whose lookups do not go to the resolver, or a name it has no link to.
    assert.throws(
      () => lookupFailure(env, 'api', 'db', 'NXDOMAIN'),
      /api's lookups do not go through faultline's resolver \(services whose do: app\)/,
    );
    assert.throws(
      () => lookupFailure(env, 'app', 'nope', 'NXDOMAIN'),
      /refusing to inject a fault into 'nope'/,
    );
    assert.deepEqual(dns.resolver.overrides, []);
  } finally {
    await env.down();
  }
  assert.deepEqual(env.dns?.resolver.listening, [], 'the resolver stops with the environment');
}

describe('a DNS fault on a service that looks its dependency up by name', () => {
  test('local backend: a mount namespace with a private resolv.conf', { timeout: 120_000 }, async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('needs root');
      return;
    }
    await exercise(localBackend);
  });

  test('containers backend: --dns at the network gateway', { timeout: 180_000 }, async (t) => {
    if (!(await needsEngine(t))) return;
    await exercise(containersBackend);
  });
});

test('without root the local backend says what a service that looks names up needs', () => {
  assert.equal(
    localDnsMissing(topology, 1000),
    "app addresses a dependency by name (w.host / w.url(…, { byName: true })): on the local backend each such service gets a private /etc/resolv.conf pointing at faultline's resolver, which needs root (a mount namespace per service, bind mounts, port 53). Run as root, or use the containers backend (FAULTLINE_BACKEND=containers)",
  );
  assert.equal(
    localDnsMissing({ ...topology, lookups: [] }, 1000),
    undefined,
    'nothing looked up: nothing needed',
  );
});

test('without root the local backend runs the system by address, and a DNS fault says what it needs', {
  timeout: 60_000,
}, async (t) => {
  if (!nobodyCanRun(join(HERE, 'no-root.ts'))) {
    t.skip(UNREACHABLE);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'faultline-dns-noroot-'));
  chmodSync(tmp, 0o777);
  try {
    const out = execFileSync(
      '/usr/bin/setpriv',
      ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, join(HERE, 'no-root.ts')],
      {
        env: { ...process.env, TMPDIR: tmp, HOME: tmp, XDG_CACHE_HOME: tmp },
        encoding: 'utf8',
        timeout: 50_000,
      },
    );
    const seen = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    assert.equal(seen.uid, 65534);
    assert.equal(seen.dns, false, 'no resolver without root');
    assert.equal(seen.resolved, true, 'the name was handed out as the link address, so the service runs');
    assert.match(String(seen.unavailable), /^app addresses a dependency by name .* which needs root/);
    assert.match(
      String(seen.refused),
      /^DNS faults cannot run on this backend here: app addresses a dependency by name .*needs root \(a mount namespace per service, bind mounts, port 53\)\. Run as root, or use the containers backend \(FAULTLINE_BACKEND=containers\)$/,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
