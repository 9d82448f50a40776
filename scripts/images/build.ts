// Builds every image the containers backend needs from this machine's own binaries, for sites without a
// registry: redis-server, postgres (cluster initialised at build time), prometheus, and the base that process services
// and faultline's Toxiproxy-compatible proxy run in (this machine's programs and this checkout mounted).
// Idempotent: an image whose inputs did not change is not rebuilt (content-hash label).
//
//   node scripts/images/build.ts [--prune] [--env]
//     --prune  remove the images earlier versions made per checkout (platform, proxy, node), unused ones
//     --env    print `export FAULTLINE_*_IMAGE=…` lines (eval them to pin these exact images)
//
// Needs a running engine, busybox-static, redis-server and PostgreSQL server binaries.

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type BuiltImage, ensureImage, pruneOlder } from '../../support/env/containers/images/build.ts';
import {
  offlineBase,
  offlinePostgres,
  offlinePrometheus,
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

const [redis, postgres, base] = await Promise.all([
  ensureImage(offlineRedis()),
  ensureImage(offlinePostgres()),
  ensureImage(offlineBase()),
]);
line('redis', redis);
line('postgres', postgres);
line('base', base);
// Only where Prometheus is installed (npm run setup installs it): the PromQL steps need it, nothing else does.
const prometheus = existsSync('/usr/bin/prometheus') ? await ensureImage(offlinePrometheus()) : undefined;
if (prometheus) line('prometheus', prometheus);

if (values.prune)
  for (const retired of [
    'faultline/proxy',
    'faultline/platform',
    'faultline/platform-deps',
    'faultline-offline/node',
  ])
    await pruneOlder(retired, '');
if (values.env)
  process.stdout.write(
    [
      `export FAULTLINE_REDIS_IMAGE=${redis.name}`,
      `export FAULTLINE_POSTGRES_IMAGE=${postgres.name}`,
      `export FAULTLINE_TOXIPROXY_IMAGE=${base.name}`,
      `export FAULTLINE_BASE_IMAGE=${base.name}`,
      ...(prometheus ? [`export FAULTLINE_PROMETHEUS_IMAGE=${prometheus.name}`] : []),
      '',
    ].join('\n'),
  );
process.stdout.write(`images ready in ${Math.round(performance.now() - started)} ms\n`);
