// Run by test/dns/lookup-fault.test.ts as an unprivileged account: the local backend brings a system whose
// service looks a dependency up by name up without faultline's resolver (handing the link's address out
// for the name), and a DNS fault fails saying what it needs. Prints what it saw as one JSON line.
import { fileURLToPath } from 'node:url';
import { localBackend } from '../../support/env/local/backend.ts';
import { lookupFailure } from '../../support/faults/dns/lookup.ts';
import { defineSystem, service } from '../../support/system/declare.ts';
import { instantiate } from '../../support/system/instantiate.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const system = defineSystem({
  services: [
    service('api', { command: ['node', 'looker.ts'], cwd: HERE }),
    service('app', { command: ['node', 'looker.ts'], cwd: HERE, env: (w) => ({ TARGET: w.host('api') }) }),
  ],
});
const { topology } = instantiate(system, {}, { name: 'dns-no-root', baseDir: HERE, origin: 'test' });
const env = await localBackend.up(topology, { seed: 1 });
let refused = '';
try {
  await new Promise((r) => setTimeout(r, 300));
  try {
    lookupFailure(env, 'app', 'api', 'NXDOMAIN');
  } catch (error) {
    refused = (error as Error).message;
  }
  console.log(
    JSON.stringify({
      uid: process.getuid?.(),
      dns: env.dns !== undefined,
      unavailable: env.dnsUnavailable,
      resolved: env.logs('app').some((l) => l.line.startsWith('resolved 127.0.0.1 ')),
      refused,
    }),
  );
} finally {
  await env.down();
}
