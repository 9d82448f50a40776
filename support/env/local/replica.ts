import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { giveTo, makeTempDir } from '../../cleanup/tmp.ts';
import type { Endpoint } from '../../system/topology.ts';
import { freePort } from '../ports.ts';
import { postgresBinDir } from './binaries.ts';
import { PG_DATABASE, PG_USER, runAsync, serverArgs, serviceAccount } from './postgres.ts';
import { LocalProcess } from './process.ts';
import { type RunningService, withPortRetry } from './service.ts';

// A streaming replica of a local Postgres primary: pg_basebackup clones the primary's cluster (-R writes
// standby.signal and the primary_conninfo it streams from), then a postgres serves it read-only. It reaches
// its primary directly, as replication inside a database tier does: the proxy carries the system's links.
//
// A replica rejoins rather than merely restarts: one that is still a standby (standby.signal is there)
// resumes streaming from where it stopped and catches up; one that was promoted (a failover) has left the
// primary's timeline and is cloned afresh — the only honest way back to being a replica of that primary.

/**
 * Settings of a primary that has replicas. It keeps WAL for them (no replication slots, which would outlive
 * a replica that is gone): a replica down for a while, or one that followed the primary through its crash
 * and restart (whose end-of-recovery checkpoint recycles segments), resumes from the primary's WAL instead of
 * finding its segment removed.
 */
export const PRIMARY_SETTINGS = ['-c', 'wal_keep_size=256MB'];

export interface RunningReplica extends RunningService {
  /** Starts it again as a replica of its primary: resumes a standby, re-clones a promoted one. */
  rejoin(): Promise<void>;
}

const SETPRIV = '/usr/bin/setpriv';

/** The log line of a standby that serves read-only queries. */
const READY = /database system is ready to accept read-only connections/;

export function startPostgresReplica(opts: {
  name: string;
  /** Where the replica reaches its primary (the primary's own address, not a link of the proxy). */
  primary: Endpoint;
  tmpRoot?: string;
}): Promise<RunningReplica> {
  const { name, primary } = opts;
  const bin = postgresBinDir();
  const account = serviceAccount();
  return withPortRetry(async () => {
    const dir = await makeTempDir(name, opts.tmpRoot);
    const data = join(dir.path, 'data');
    const clone = async () => {
      await runAsync(account, 'rm', ['-rf', data]);
      // Dies with the runner (as every child of the local backend does): a clone interrupted half-way must not
      // go on writing into a directory the interrupt removed.
      const cloneArgs = [
        '-h',
        primary.host,
        '-p',
        String(primary.port),
        '-U',
        PG_USER,
        '-D',
        data,
        '-R',
        '-X',
        'stream',
        // An immediate checkpoint on the primary: a spread one would make the clone wait for it.
        '-c',
        'fast',
        '--no-sync',
      ];
      if (existsSync(SETPRIV))
        await runAsync(account, SETPRIV, [
          '--pdeathsig',
          'KILL',
          '--',
          join(bin, 'pg_basebackup'),
          ...cloneArgs,
        ]);
      else await runAsync(account, join(bin, 'pg_basebackup'), cloneArgs);
    };
    try {
      if (account) await giveTo(dir.path, account.uid, account.gid);
      await clone();
      const port = await freePort();
      const proc = new LocalProcess({
        name,
        command: join(bin, 'postgres'),
        // cluster_name is what the primary's pg_stat_replication shows for this replica (application_name).
        args: [...serverArgs(data, port, dir.path), '-c', `cluster_name=${name}`],
        cwd: '/',
        user: account,
        stopSignal: 'SIGINT',
        ready: (line) => READY.test(line) || undefined,
      });
      await proc.start();
      return {
        name,
        host: '127.0.0.1',
        port,
        url: `postgres://${PG_USER}@127.0.0.1:${port}/${PG_DATABASE}`,
        process: proc,
        async rejoin() {
          await proc.stop();
          if (!existsSync(join(data, 'standby.signal'))) await clone();
          await proc.start();
        },
        async stop() {
          await proc.stop();
          await dir.remove();
        },
      };
    } catch (error) {
      await dir.remove();
      throw error;
    }
  });
}
