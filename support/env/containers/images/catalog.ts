import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresBinDir, redisServerBinary } from '../../local/binaries.ts';
import { systemLinks } from '../mounts.ts';
import { commitRun, hashOf, type ImageSpec, importArchive, rootfsImage } from './build.ts';
import { Rootfs, SHELL_APPLETS } from './rootfs.ts';
import { TarArchive } from './tar.ts';

// Every image the containers backend runs that faultline makes itself, and what each is made from: the
// stores from this machine's binaries, and the base that process services and faultline's fault proxy run
// in (their programs and files are mounted, not copied: see ../mounts.ts).
// Bumping BUILDER remakes them all (e.g. after a change to how root filesystems are assembled).

const BUILDER = '2';
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCRIPTS = join(ROOT, 'scripts/images');

/** Credentials of the cluster baked into the offline postgres image (what the backend asks for). */
export const PG_BAKED = { user: 'faultline', password: 'faultline', database: 'faultline' } as const;

const fileText = (path: string) => readFileSync(path, 'utf8');

/** redis-server of this machine, with busybox for Testcontainers' in-container port checks. */
export function offlineRedis(): ImageSpec {
  const server = redisServerBinary();
  const major = execFileSync(server, ['--version'], { encoding: 'utf8' }).match(/v=(\d+)\./)?.[1] ?? 'host';
  const changes = [
    'WORKDIR /data',
    'USER 999:999',
    'EXPOSE 6379',
    'CMD ["redis-server", "--protected-mode", "no"]',
  ];
  const archive = () =>
    new Rootfs()
      .binary(server, '/usr/bin/redis-server')
      .busybox(SHELL_APPLETS)
      .accounts([{ name: 'redis', id: 999, home: '/data' }])
      .dir('/data', { uid: 999, gid: 999 }).tar;
  return rootfsImage(
    {
      name: `faultline-offline/redis:${major}`,
      kind: 'redis',
      hash: hashOf([BUILDER, ...changes, ...archive().fingerprint()]),
    },
    archive,
    changes,
  );
}

/** postgres of this machine (binaries, modules, share data), with a cluster initialised at build time. */
export function offlinePostgres(): ImageSpec {
  const bin = postgresBinDir();
  const major = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).match(/(\d+)/)?.[1];
  const lib = execFileSync(join(bin, 'pg_config'), ['--pkglibdir'], { encoding: 'utf8' }).trim();
  const share = execFileSync(join(bin, 'pg_config'), ['--sharedir'], { encoding: 'utf8' }).trim();
  const entrypoint = join(SCRIPTS, 'postgres-entrypoint.sh');
  const changes = [
    `ENV PATH=${bin}:/usr/local/bin:/usr/bin:/bin`,
    'ENV PGDATA=/var/lib/postgresql/data',
    'ENV TZ=UTC',
    'USER 999:999',
    'EXPOSE 5432',
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
    'CMD ["postgres"]',
  ];
  const archive = () => {
    const tools = ['postgres', 'initdb', 'pg_ctl', 'pg_isready', 'psql'].map((t) => join(bin, t));
    const modules = existsSync(lib)
      ? readdirSync(lib)
          .filter((m) => m.endsWith('.so') && !m.startsWith('llvmjit'))
          .map((m) => join(lib, m))
      : [];
    const fs = new Rootfs().binaries([...tools, ...modules].map((p): [string, string] => [p, p]));
    fs.tree(share);
    if (existsSync('/usr/share/zoneinfo')) fs.tree('/usr/share/zoneinfo');
    fs.busybox(SHELL_APPLETS).accounts([{ name: 'postgres', id: 999, home: '/var/lib/postgresql' }]);
    fs.dir('/var/run/postgresql', { uid: 999, gid: 999, mode: 0o2775 });
    fs.dir('/var/lib/postgresql', { uid: 999, gid: 999 });
    fs.dir('/var/lib/postgresql/data', { uid: 999, gid: 999, mode: 0o700 });
    fs.file('/usr/local/bin/docker-entrypoint.sh', fileText(entrypoint), 0o755);
    return fs.tar;
  };
  const name = `faultline-offline/postgres:${major ?? 'host'}`;
  const hash = hashOf([BUILDER, ...changes, fileText(entrypoint), ...archive().fingerprint()]);
  return {
    name,
    kind: 'postgres',
    hash,
    async make(docker, labels) {
      const changesWithLabels = [...changes, ...Object.entries(labels).map(([k, v]) => `LABEL ${k}=${v}`)];
      const unbaked = await importArchive(docker, archive().stream(), changesWithLabels);
      const { user, password, database } = PG_BAKED;
      await commitRun(
        docker,
        unbaked,
        { cmd: ['--bake', user, password, database] },
        changesWithLabels,
        name,
      );
    },
  };
}

/**
 * This machine's Prometheus (Debian's /usr/bin/prometheus), for the run's Prometheus on the containers
 * backend: the same binary as the local backend runs, so a PromQL verdict means the same on both. Its API
 * and its query engine need nothing but the binary (the web UI's assets are left out).
 */
export function offlinePrometheus(binary = '/usr/bin/prometheus'): ImageSpec {
  const version =
    execFileSync(binary, ['--version'], { encoding: 'utf8' }).match(/version (\d+\.\d+)/)?.[1] ?? 'host';
  const changes = [
    'USER 65534:65534',
    'WORKDIR /prometheus',
    'EXPOSE 9090',
    'ENTRYPOINT ["/bin/prometheus"]',
    'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]',
  ];
  const archive = () =>
    new Rootfs()
      .binary(binary, '/bin/prometheus')
      .busybox(SHELL_APPLETS)
      .accounts([{ name: 'nobody', id: 65534, home: '/prometheus' }])
      .dir('/etc/prometheus', { uid: 65534, gid: 65534 })
      .dir('/prometheus', { uid: 65534, gid: 65534 }).tar;
  return rootfsImage(
    {
      name: `faultline-offline/prometheus:${version}`,
      kind: 'prometheus',
      hash: hashOf([BUILDER, ...changes, ...archive().fingerprint()]),
    },
    archive,
    changes,
  );
}

/**
 * What process services run in: nothing but /tmp and this machine's merged-/usr symlinks (/bin → usr/bin …);
 * their programs, libraries and files are this machine's own, mounted at the same paths (see ../mounts.ts).
 */
export function offlineBase(): ImageSpec {
  const changes = ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'CMD ["/bin/sh"]'];
  const archive = () => {
    const tar = new TarArchive().dir('/tmp', { mode: 0o1777 });
    for (const [path, target] of systemLinks()) tar.symlink(path, target);
    return tar;
  };
  return rootfsImage(
    {
      name: 'faultline-offline/base:1',
      kind: 'base',
      hash: hashOf([BUILDER, ...changes, ...systemLinks().map(([p, t]) => `${p} -> ${t}`)]),
    },
    archive,
    changes,
  );
}
