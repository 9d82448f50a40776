import type { Environment } from '../../env/environment.ts';
import { withPostgres } from '../../faults/stores/store.ts';
import type { ProbeValue } from '../tolerance.ts';
import { within } from './within.ts';

// A SQL probe reads the first column of the first row of a read-only query, on a fresh connection each
// time: a store that restarts under a fault is read again as soon as it is back, and no connection of ours
// outlives the sample.

export interface SqlProbe {
  kind: 'sql';
  query: string;
}

/** Only queries that read: a probe watches the system, it never changes it. */
export const READ_ONLY_SQL = /^\s*(select|with|show|values|table)\b/i;

export async function readSql(
  env: Environment,
  service: string,
  p: SqlProbe,
  timeoutMs: number,
): Promise<ProbeValue> {
  return within(timeoutMs, query(env, service, p), p.query);
}

async function query(env: Environment, service: string, p: SqlProbe): Promise<ProbeValue> {
  return withPostgres(env, service, async (client) => {
    // The words are checked at plan time; Postgres itself refuses any write the query might hide (a
    // data-modifying WITH, a function with side effects).
    await client.query('set default_transaction_read_only = on');
    const { rows } = await client.query<unknown[]>({ text: p.query, rowMode: 'array' });
    if (rows.length === 0) throw new Error(`${p.query}: no row`);
    const value = rows[0]?.[0];
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
    if (typeof value === 'bigint') return Number(value);
    if (value instanceof Date) return value.toISOString();
    return value === null || value === undefined ? 'null' : JSON.stringify(value);
  });
}
