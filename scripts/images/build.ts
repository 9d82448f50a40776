// Builds every image the containers backend needs from this machine's own binaries, for sites without a
// registry: redis-server, postgres (cluster initialised at build time), node (the one running this script),
// the platform (controller + workers, from this checkout) and faultline's Toxiproxy-compatible proxy.
// Idempotent: an image whose inputs did not change is not rebuilt (content-hash label).
//
//   node scripts/images/build.ts [--prune] [--env]
//     --prune  remove older platform/proxy images no container uses
//     --env    print `export FAULTLINE_*_IMAGE=…` lines (eval them to pin these exact images)
//
// Needs a running engine, busybox-static, redis-server and PostgreSQL server binaries.

import { parseArgs } from 'node:util';
import { type BuiltImage, ensureImage, pruneOlder } from '../../support/env/containers/images/build.ts';
import {
  buildPlatform,
  offlineNode,
  offlinePostgres,
  offlineRedis,
} from '../../support/env/containers/images/catalog.ts';
import { engineReachable } from '../../support/env/containers/runtime.ts';

const { values } = parseArgs({
  options: { prune: { type: 'boolean' }, env: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  strict: true,
});
if (values.help) {
  process.stdout.write('usage: node scripts/images/build.ts [--prune] [--env]\n');
  process.exit(0);
}

const started = performance.now();
if (!(await engineReachable(5_000))) {
  process.stderr.write(
    'build images: no container engine answers (DOCKER_HOST or /var/run/docker.sock); start dockerd first\n',
  );
  process.exit(1);
}

const line = (role: string, image: BuiltImage) =>
  process.stdout.write(
    `${role.padEnd(9)} ${image.name.padEnd(48)} ${image.built ? `built in ${image.ms} ms` : 'up to date'}\n`,
  );

const [redis, postgres, node] = await Promise.all([
  ensureImage(offlineRedis()),
  ensureImage(offlinePostgres()),
  ensureImage(offlineNode()),
]);
line('redis', redis);
line('postgres', postgres);
line('node', node);
const chain = await buildPlatform(node.name);
line('deps', chain.deps);
line('platform', chain.platform);
line('proxy', chain.proxy);

if (values.prune) {
  await pruneOlder('faultline/proxy', chain.proxy.name);
  await pruneOlder('faultline/platform', chain.platform.name);
  await pruneOlder('faultline/platform-deps', chain.deps.name);
}
if (values.env)
  process.stdout.write(
    [
      `export FAULTLINE_REDIS_IMAGE=${redis.name}`,
      `export FAULTLINE_POSTGRES_IMAGE=${postgres.name}`,
      `export FAULTLINE_NODE_IMAGE=${node.name}`,
      `export FAULTLINE_TOXIPROXY_IMAGE=${chain.proxy.name}`,
      `export FAULTLINE_PLATFORM_IMAGE=${chain.platform.name}`,
      '',
    ].join('\n'),
  );
process.stdout.write(`images ready in ${Math.round(performance.now() - started)} ms\n`);
