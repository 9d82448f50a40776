import { join } from 'node:path';
import { postgresBinDir } from '../local/binaries.ts';
import { PRIMARY_SETTINGS } from '../local/replica.ts';
import { PG_BAKED } from './images/catalog.ts';
import type { RoleImage } from './images/resolve.ts';
import { type Placement, POSTGRES_PORT, place, type Running, startPostgres, track } from './services.ts';

// Postgres streaming replication on the containers backend. A primary that has replicas accepts replication
// connections from the network (an hba file of its own: the image's allows them from loopback only); each
// replica is a container of the same image whose command clones the primary with pg_basebackup and then
// serves the clone as a standby. Its command rejoins rather than merely restarts (as the local backend's
// replica does): a container restarted while still a standby resumes streaming and catches up; one that was
// promoted is cloned afresh from the primary.

/** Where the primary's hba file goes (copied in before the server starts). */
const HBA = '/tmp/faultline-replication-hba.conf';
const HBA_TEXT = [
  'local all all trust',
  'host all all all scram-sha-256',
  'host replication all all scram-sha-256',
  '',
].join('\n');
/** The replica's own cluster, in the container's writable layer (kept across a restart). */
const REPLICA_DATA = '/var/lib/postgresql/replica';
/** The postgres account of both the offline and the public image. */
const POSTGRES_UID = '999:999';

/** A primary that serves replication connections from its replicas' containers. */
export function startReplicatedPrimary(name: string, image: RoleImage, at: Placement): Promise<Running> {
  return startPostgres(name, image, at, {
    // It keeps WAL for its replicas (see PRIMARY_SETTINGS of the local backend).
    args: ['-c', `hba_file=${HBA}`, ...PRIMARY_SETTINGS],
    files: [{ content: HBA_TEXT, target: HBA, mode: 0o644 }],
  });
}

/** The replica's shell command: clone unless still a standby, then serve. */
function replicaScript(name: string, primary: string): string {
  const { user, password } = PG_BAKED;
  const conninfo = `host=${primary} port=${POSTGRES_PORT} user=${user} password=${password}`;
  return [
    'set -e',
    `D=${REPLICA_DATA}`,
    'if [ ! -f "$D/standby.signal" ]; then',
    '  rm -rf "$D"',
    `  pg_basebackup -d "${conninfo}" -D "$D" -R -X stream -c fast --no-sync`,
    'fi',
    'exec postgres -D "$D" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200' +
      // cluster_name is what the primary's pg_stat_replication shows for this replica (application_name).
      ` -c cluster_name=${name}`,
  ].join('\n');
}

export async function startPostgresReplica(
  name: string,
  primary: string,
  image: RoleImage,
  at: Placement,
): Promise<Running> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = place(new GenericContainer(image.image), name, at)
    .withEntrypoint(['/bin/sh', '-c', replicaScript(name, primary)])
    .withUser(POSTGRES_UID)
    .withExposedPorts(POSTGRES_PORT)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept read-only connections/))
    .withStartupTimeout(60_000);
  if (image.ours) {
    // The offline image carries the server, not the clone tool: this machine's pg_basebackup is mounted
    // (its libraries are the ones psql and postgres already brought into the image).
    const tool = join(postgresBinDir(), 'pg_basebackup');
    container.withBindMounts([{ source: tool, target: tool, mode: 'ro' }]);
  }
  return track({ name, kind: 'postgres', image: image.image, containerPort: POSTGRES_PORT }, container);
}
