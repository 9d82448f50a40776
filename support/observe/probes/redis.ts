import type { Environment } from '../../env/environment.ts';
import { withRedis } from '../../faults/stores/store.ts';
import type { ProbeValue } from '../tolerance.ts';
import { within } from './within.ts';

// A Redis probe sends one read-only command on a fresh connection and reads its reply.

export interface RedisProbe {
  kind: 'redis';
  command: string;
  args: string[];
}

/** The commands a probe may send: each reads a value, none changes the store. */
export const READ_ONLY_REDIS = [
  'DBSIZE',
  'PING',
  'GET',
  'EXISTS',
  'STRLEN',
  'LLEN',
  'SCARD',
  'ZCARD',
  'HLEN',
  'HGET',
  'SISMEMBER',
  'TTL',
  'PTTL',
  'TYPE',
];

export function readRedis(
  env: Environment,
  service: string,
  p: RedisProbe,
  timeoutMs: number,
): Promise<ProbeValue> {
  const reply = withRedis(env, service, (client) => client.call(p.command, ...p.args));
  return within(
    timeoutMs,
    reply.then((r) =>
      typeof r === 'number' || typeof r === 'string' ? r : r === null ? 'null' : JSON.stringify(r),
    ),
    [p.command, ...p.args].join(' '),
  );
}
