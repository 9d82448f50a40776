import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { giveTo, makeTempDir } from '../../cleanup/tmp.ts';
import { cacheRoot } from '../cache.ts';
import { freePort } from '../ports.ts';
import { postgresBinDir } from './binaries.ts';
import { LocalProcess } from './process.ts';
import { type RunningService, withPortRetry } from './service.ts';

const execFileAsync = promisify(execFile);

export const PG_USER = 'faultline';
export const PG_DATABASE = 'faultline';

export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** postgres refuses to run as root; when we are root, run it as the system's postgres account. */
let knownAccount: Account | undefined;

export function serviceAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  knownAccount ??= lookupAccount();
  return knownAccount;
}

function lookupAccount(): Account {
  const name = process.env.FAULTLINE_PG_OS_USER ?? 'postgres';
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { name, uid, gid };
  } catch {
    throw new Error(
      `running as root, and there is no '${name}' account to run postgres as: create one ` +
        '(useradd --system postgres) or set FAULTLINE_PG_OS_USER to an unprivileged account',
    );
  }
}

function asAccount(account: Account | undefined, command: string, args: string[]): [string, string[]] {
  return account
    ? [
        'setpriv',
        [
          '--reuid',
          String(account.uid),
          '--regid',
          String(account.gid),
          '--clear-groups',
          '--',
          command,
          ...args,
        ],
      ]
    : [command, args];
}

/** Async twin of run(): a copy must not block the event loop while other services are starting. */
export async function runAsync(account: Account | undefined, command: string, args: string[]): Promise<void> {
  const [cmd, argv] = asAccount(account, command, args);
  try {
    await execFileAsync(cmd, argv, { cwd: '/' });
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} failed: ${(error as Error).message}`);
  }
}

function run(account: Account | undefined, command: string, args: string[], input?: string): void {
  const [cmd, argv] = asAccount(account, command, args);
  const result = spawnSync(cmd, argv, { input, encoding: 'utf8', cwd: '/' });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr || result.stdout}`,
    );
}

/**
 * initdb costs seconds; copying an initialised cluster costs milliseconds. The template is built once per
 * machine (per PostgreSQL major version) and copied for every start. Built under a unique name and renamed
 * into place, so parallel workers racing to build it never see a half-made one.
 */
let knownTemplate: string | undefined;

export function postgresTemplate(): string {
  if (knownTemplate && existsSync(join(knownTemplate, 'PG_VERSION'))) return knownTemplate;
  knownTemplate = buildTemplate();
  return knownTemplate;
}

/**
 * Where the template lives. As root, postgres runs as its own account, which builds and copies the template
 * itself, so it must be able to reach it: a checkout under a private directory (a CI runner's 0700 work
 * dir) would hide the repository's `.cache/`. Root therefore keeps it in the machine's cache directory,
 * unless FAULTLINE_CACHE says where.
 */
function templateRoot(account: Account | undefined): string {
  if (account && process.env.FAULTLINE_CACHE === undefined) return '/var/cache/faultline';
  return cacheRoot();
}

function buildTemplate(): string {
  const bin = postgresBinDir();
  const version =
    execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).match(/(\d+)/)?.[1] ?? 'x';
  const root = templateRoot(serviceAccount());
  const template = join(root, `pg${version}-template`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  mkdirSync(root, { recursive: true });
  const account = serviceAccount();
  const building = `${template}.building-${process.pid}-${Date.now()}`;
  mkdirSync(building, { mode: 0o700 });
  try {
    if (account) spawnSync('chown', [`${account.uid}:${account.gid}`, building]);
    run(account, join(bin, 'initdb'), [
      '-D',
      building,
      '-U',
      PG_USER,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    run(
      account,
      join(bin, 'postgres'),
      ['--single', '-D', building, '-j', 'postgres'],
      `CREATE DATABASE ${PG_DATABASE};\n`,
    );
    try {
      renameSync(building, template);
    } catch (error) {
      if (!existsSync(join(template, 'PG_VERSION'))) throw error;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

/**
 * Client authentication: faultline's own superuser (and replication) keeps trust on loopback, as the
 * template had it; every other role must give its password (SCRAM), as on the containers backend. Without
 * this a role a system creates for itself would be let in with any password, and a rotated or invalidated
 * credential (support/faults/security/) could not be refused.
 */
export const HBA = [
  'local all all trust',
  'local replication all trust',
  `host all ${PG_USER} 127.0.0.1/32 trust`,
  `host all ${PG_USER} ::1/128 trust`,
  'host replication all 127.0.0.1/32 trust',
  'host replication all ::1/128 trust',
  'host all all 127.0.0.1/32 scram-sha-256',
  'host all all ::1/128 scram-sha-256',
  '',
].join('\n');

async function writeHba(data: string, account: Account | undefined): Promise<void> {
  const file = join(data, 'pg_hba.conf');
  await writeFile(file, HBA, { mode: 0o600 });
  if (account) await chown(file, account.uid, account.gid);
}

/** The server's command line: a throwaway test database, durability settings off so start and writes are fast. */
export function serverArgs(data: string, port: number, socketDir: string): string[] {
  return [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    socketDir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=200',
    '-c',
    'logging_collector=off',
    // Every login in the log: a rotation's proof counts the system's logins with the new secret, which a
    // look at the live sessions misses when the system's sessions are short.
    '-c',
    'log_connections=on',
  ];
}

export function startPostgres(
  opts: {
    name?: string;
    tmpRoot?: string /** More server settings (`-c key=value` …). */;
    args?: string[];
  } = {},
): Promise<RunningService> {
  const name = opts.name ?? 'postgres';
  const template = postgresTemplate();
  const bin = postgresBinDir();
  const account = serviceAccount();
  return withPortRetry(async () => {
    const dir = await makeTempDir(name, opts.tmpRoot);
    const data = join(dir.path, 'data');
    try {
      if (account) await giveTo(dir.path, account.uid, account.gid);
      // cp -a keeps ownership and the 0700 mode postgres insists on.
      await runAsync(account, 'cp', ['-a', template, data]);
      await writeHba(data, account);
      const port = await freePort();
      const proc = new LocalProcess({
        name,
        command: join(bin, 'postgres'),
        args: [...serverArgs(data, port, dir.path), ...(opts.args ?? [])],
        cwd: '/',
        user: account,
        stopSignal: 'SIGINT',
        ready: (line) => /database system is ready to accept connections/.test(line) || undefined,
      });
      await proc.start();
      return {
        name,
        host: '127.0.0.1',
        port,
        url: `postgres://${PG_USER}@127.0.0.1:${port}/${PG_DATABASE}`,
        process: proc,
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
