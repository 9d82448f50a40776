import type { Redis } from 'ioredis';
import type { Environment } from '../../env/environment.ts';
import { StepInputError } from '../../parse.ts';
import type { Random } from '../../random.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec, TrafficProof } from '../ledger.ts';
import { touching, withRedis } from './store.ts';

// Cache poisoning: the value of a key (or of every key matching a glob pattern) replaced by corrupted bytes —
// seeded, not valid UTF-8, not a number, not JSON — keeping the key's type where a value can be corrupted in
// place (a string's value, each field of a hash) and its TTL. Everything else (a list, a set …) is replaced
// by a string of such bytes, which the system meets as WRONGTYPE. The original is kept as Redis serialises it
// (DUMP) with its absolute expiry; the undo puts back the exact bytes and TTL of every key still holding the
// poison — a key the system has rewritten since is the system's own repair and stays as the system wrote it.
//
// The proof reads every poisoned key back. Whether the system met the poison is read from the keys
// themselves: Redis's idle time of a key restarts whenever anyone touches it, and faultline does not touch a
// poisoned key between the proof and the check; a key rewritten or deleted counts too.

const CORRUPT_BYTES = 24;
const MAX_KEYS = 10_000;
/** Redis's LRU clock ticks once a second: an access within the last tick cannot be told apart. */
const IDLE_RESOLUTION_S = 1;

/** A key or glob pattern as a step gives it: non-empty, no control characters. */
export function parseKeyPattern(text: string, pattern: boolean): string {
  if (text.length === 0 || /[\r\n\0]/.test(text))
    throw new StepInputError(
      `${JSON.stringify(text)} is not a Redis ${pattern ? 'key pattern' : 'key'}: write ${pattern ? 'a glob such as "session:*" or "user:?:name"' : 'the key\'s name, e.g. "faultline:routing:cursor"'} (no line breaks)`,
    );
  if (pattern) {
    let depth = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '\\') i++;
      else if (c === '[') depth++;
      else if (c === ']') depth = Math.max(0, depth - 1);
    }
    if (depth > 0 || text.endsWith('\\'))
      throw new StepInputError(
        `${JSON.stringify(text)} is not a Redis key pattern: an unclosed '[' or a trailing '\\'; glob rules: * any run, ? one character, [abc] one of, \\ escapes`,
      );
  }
  return text;
}

/** Seeded bytes nobody would store: invalid UTF-8 lead bytes, a NUL, then random bytes. */
export function corruptBytes(random: Random): Buffer {
  const bytes = Buffer.alloc(CORRUPT_BYTES);
  bytes[0] = 0xff;
  bytes[1] = 0xfe;
  bytes[2] = 0x00;
  for (let i = 3; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

interface Poisoned {
  key: string;
  type: string;
  /** The key as Redis serialised it before the poison (exact bytes, encoding and all). */
  original: Buffer;
  /** Absolute expiry in epoch ms, or 0 for none. */
  expireAt: number;
  /** The serialised poisoned key, to tell whether anyone changed it since. */
  poisonedDump: Buffer;
  /** Hash only: each field's original value, to put back the fields still poisoned. */
  fields?: Map<string, Buffer>;
}

/** The key's absolute expiry (epoch ms), or 0 for none: exact with Redis 7's PEXPIRETIME, else from PTTL. */
async function expireAtOf(r: Redis, key: string): Promise<number> {
  const exact = (await r.call('PEXPIRETIME', key).catch(() => undefined)) as number | undefined;
  if (typeof exact === 'number') return Math.max(exact, 0);
  const pttl = await r.pttl(key);
  return pttl > 0 ? Date.now() + pttl : 0;
}

async function keysOf(r: Redis, target: { key?: string; pattern?: string }): Promise<string[]> {
  if (target.key !== undefined) return (await r.exists(target.key)) ? [target.key] : [];
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await r.scan(cursor, 'MATCH', target.pattern!, 'COUNT', 500);
    for (const k of batch) found.add(k);
    cursor = next;
    if (found.size > MAX_KEYS)
      throw new StepInputError(
        `the pattern ${JSON.stringify(target.pattern)} matches more than ${MAX_KEYS} keys: poisoning that many is a flush, not a poisoning — narrow the pattern`,
      );
  } while (cursor !== '0');
  return [...found].sort();
}

async function poisonOne(r: Redis, key: string, bytes: Buffer): Promise<Poisoned | undefined> {
  const original = await r.dumpBuffer(key);
  if (!original) return undefined;
  const type = await r.type(key);
  const expireAt = await expireAtOf(r, key);
  let fields: Map<string, Buffer> | undefined;
  if (type === 'string') await r.set(key, bytes, 'KEEPTTL');
  else if (type === 'hash') {
    const all = await r.hgetallBuffer(key);
    fields = new Map(Object.entries(all));
    if (fields.size > 0) await r.hset(key, Object.fromEntries([...fields.keys()].map((f) => [f, bytes])));
  } else {
    const multi = r.multi().set(key, bytes);
    if (expireAt > 0) multi.pexpireat(key, expireAt);
    await multi.exec();
  }
  const poisonedDump = (await r.dumpBuffer(key)) ?? Buffer.alloc(0);
  return { key, type, original, expireAt, poisonedDump, ...(fields ? { fields } : {}) };
}

/** Whether a key still holds the poison (in whole or, for a hash, in any field). */
async function stillPoisoned(r: Redis, p: Poisoned, bytes: Buffer): Promise<boolean> {
  if (p.fields) {
    const now = await r.hgetallBuffer(p.key);
    return Object.values(now).some((v) => v.equals(bytes));
  }
  const value = await r.getBuffer(p.key).catch(() => null);
  return value?.equals(bytes) === true;
}

export function redisPoisoned(
  env: Environment,
  name: string,
  target: { key: string } | { pattern: string },
  random: Random,
  durationMs?: number,
): FaultSpec {
  guardService(env, name);
  const bytes = corruptBytes(random);
  const what =
    'key' in target ? `key ${JSON.stringify(target.key)}` : `keys matching ${JSON.stringify(target.pattern)}`;
  let poisoned: Poisoned[] = [];
  let since = 0;
  return {
    kind: 'poisoning',
    description: `${name} ${what} poisoned`,
    targets: [name],
    touches: touching(env, name),
    durationMs,
    async apply() {
      return withRedis(env, name, async (r) => {
        const keys = await keysOf(r, target);
        if (keys.length === 0)
          throw new Error(
            `poisoning ${what} of ${name} had no effect: no such key exists (the system has not written it yet?); ${await r.dbsize()} key(s) in ${name}`,
          );
        for (const key of keys) {
          const done = await poisonOne(r, key, bytes);
          if (done) poisoned.push(done);
        }
        const read = await Promise.all(poisoned.map((p) => stillPoisoned(r, p, bytes)));
        const missing = poisoned.filter((_, i) => !read[i]).map((p) => p.key);
        if (poisoned.length === 0 || missing.length === poisoned.length)
          throw new Error(
            `poisoning ${what} of ${name} had no effect: read back, no key holds the corrupt bytes`,
          );
        since = Date.now();
        return [
          `${poisoned.length} key(s) poisoned with ${bytes.length} seeded bytes (${bytes.subarray(0, 8).toString('hex')}…): ${poisoned
            .slice(0, 10)
            .map(
              (p) =>
                `${p.key} (${p.type}${p.fields ? `, ${p.fields.size} field(s)` : ''}${p.expireAt ? `, TTL ${p.expireAt - Date.now()} ms` : ''})`,
            )
            .join(
              ', ',
            )}${poisoned.length > 10 ? ' …' : ''}; read back: ${poisoned.length - missing.length} hold the corrupt bytes${missing.length ? ` (rewritten at once: ${missing.join(', ')})` : ''}`,
        ];
      });
    },
    async felt(): Promise<TrafficProof> {
      const heldS = (Date.now() - since) / 1000;
      return withRedis(env, name, async (r) => {
        let touched = 0;
        const lines: string[] = [];
        for (const p of poisoned) {
          const idle = (await r.call('OBJECT', 'IDLETIME', p.key).catch(() => null)) as number | null;
          const dump = await r.dumpBuffer(p.key);
          if (dump === null) {
            touched++;
            lines.push(`${p.key} deleted`);
          } else if (!dump.equals(p.poisonedDump)) {
            touched++;
            lines.push(`${p.key} rewritten`);
          } else if (idle !== null && idle + IDLE_RESOLUTION_S < heldS) {
            touched++;
            lines.push(`${p.key} read ${idle} s ago`);
          }
        }
        const detail = `${touched} of ${poisoned.length} poisoned key(s) touched in ${heldS.toFixed(1)} s${lines.length ? `: ${lines.slice(0, 10).join(', ')}` : ''}`;
        return touched > 0
          ? { ok: true, evidence: `the system met the poison: ${detail}` }
          : {
              ok: false,
              evidence: `no poisoned key of ${name} was read or written by anyone while it held (${detail})`,
            };
      });
    },
    async undo() {
      if (poisoned.length === 0) return;
      await withRedis(env, name, async (r) => {
        for (const p of poisoned) {
          const dump = await r.dumpBuffer(p.key);
          if (dump?.equals(p.poisonedDump)) {
            // ABSTTL: the key expires when it would have, not a full TTL later; an expiry already past
            // restores nothing, as the key would be gone by now.
            if (p.expireAt > 0 && p.expireAt <= Date.now()) await r.del(p.key);
            else if (p.expireAt > 0)
              await r.call('RESTORE', p.key, String(p.expireAt), p.original, 'REPLACE', 'ABSTTL');
            else await r.call('RESTORE', p.key, '0', p.original, 'REPLACE');
          } else if (p.fields && dump) {
            // The system rewrote some fields (a heartbeat): the others get their original values back.
            const now = await r.hgetallBuffer(p.key);
            const back = Object.entries(now).filter(([f, v]) => v.equals(bytes) && p.fields!.has(f));
            if (back.length > 0)
              await r.hset(p.key, Object.fromEntries(back.map(([f]) => [f, p.fields!.get(f)!])));
          }
        }
        const left: string[] = [];
        for (const p of poisoned) if (await stillPoisoned(r, p, bytes)) left.push(p.key);
        if (left.length > 0) throw new Error(`${name}: still poisoned after the undo: ${left.join(', ')}`);
      });
      poisoned = [];
    },
  };
}
