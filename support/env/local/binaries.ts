// The local backend's server binaries, found where `faultline doctor` looks for them (../prerequisites.mjs),
// with an error that says how to get each when it is missing.
import { findPostgresBinDir, findRedisServer } from '../prerequisites.mjs';

export class MissingBinaryError extends Error {}

export function redisServerBinary(): string {
  const found = findRedisServer();
  if (!found)
    throw new MissingBinaryError(
      'redis-server not found: install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis), ' +
        'set FAULTLINE_REDIS_SERVER to its path, or run `npx faultline install --with-deps`',
    );
  return found;
}

/** Directory holding initdb and postgres: FAULTLINE_PG_BIN, pg_config, the newest Debian cluster, or PATH. */
let knownBinDir: string | undefined;

export function postgresBinDir(): string {
  knownBinDir ??= findPostgresBinDir();
  if (!knownBinDir)
    throw new MissingBinaryError(
      'PostgreSQL server binaries (initdb, postgres) not found: install them (Debian/Ubuntu: apt-get install -y postgresql; ' +
        'macOS: brew install postgresql@15), set FAULTLINE_PG_BIN to the directory that holds them, or run `npx faultline install --with-deps`',
    );
  return knownBinDir;
}
