import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export class MissingBinaryError extends Error {}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function redisServerBinary(): string {
  const found = process.env.FAULTLINE_REDIS_SERVER ?? onPath('redis-server');
  if (!found)
    throw new MissingBinaryError(
      'redis-server not found: install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis), ' +
        'set FAULTLINE_REDIS_SERVER to its path, or run `npm run setup`',
    );
  return found;
}

/** Directory holding initdb and postgres: FAULTLINE_PG_BIN, pg_config, the newest Debian cluster, or PATH. */
let knownBinDir: string | undefined;

export function postgresBinDir(): string {
  knownBinDir ??= findPostgresBinDir();
  return knownBinDir;
}

function findPostgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.FAULTLINE_PG_BIN) candidates.push(process.env.FAULTLINE_PG_BIN);
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: 'pipe' }).trim());
  } catch {
    // pg_config is optional
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(debian, v, 'bin'));
  }
  const initdb = onPath('initdb');
  if (initdb) candidates.push(join(initdb, '..'));
  const found = candidates.find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')),
  );
  if (!found)
    throw new MissingBinaryError(
      'PostgreSQL server binaries (initdb, postgres) not found: install them (Debian/Ubuntu: apt-get install -y postgresql; ' +
        'macOS: brew install postgresql@15) or set FAULTLINE_PG_BIN to the directory that holds them',
    );
  return found;
}
