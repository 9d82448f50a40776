import type { Environment } from '../../env/environment.ts';
import { withRedis } from '../../faults/stores/store.ts';
import type { ProbeValue } from '../tolerance.ts';

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

export async function readRedis(
  env: Environment,
  service: string,
  p: RedisProbe,
  timeoutMs: number,
): Promise<ProbeValue> {
  return withRedis(env, service, async (client) => {
    const reply = await Promise.race([
      client.call(p.command, ...p.args),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`no reply to ${p.command} within ${timeoutMs} ms`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
    if (typeof reply === 'number' || typeof reply === 'string') return reply;
    return reply === null ? 'null' : JSON.stringify(reply);
  });
}
