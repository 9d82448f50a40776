import { Redis } from 'ioredis';
import pg from 'pg';
import type { Environment } from '../env/environment.ts';
import type { System } from '../env/system.ts';
import type { BillingEvidence, Charge, IdempotencyRecord } from './exactly-once.ts';

// Where a system's billing evidence lives. The exactly-once check takes plain data; these adapters read it.
// The reference platform keeps its ledger in Postgres (`ledger`, one row per charge) and each request's
// final outcome in Redis (`faultline:conversion:<request_id>`). A system that grows its own `billing()`
// method is asked first; otherwise the topology's name picks an adapter here.

export type BillingReader = (
  env: Environment,
  requestIds: readonly string[],
  since: number,
) => Promise<BillingEvidence>;

/** Ledger rows charged since `since` (the phantom-charge rule needs them) or for any of `requestIds`. */
export async function readLedger(
  databaseUrl: string,
  requestIds: readonly string[],
  since: number,
): Promise<Charge[]> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{
      request_id: string;
      worker_id: string;
      amount_cents: number;
      charged_at: Date;
    }>(
      'select request_id, worker_id, amount_cents, charged_at from ledger where charged_at >= $1 or request_id = any($2::text[])',
      [new Date(since), requestIds],
    );
    return rows.map((r) => ({
      requestId: r.request_id,
      by: r.worker_id,
      amountCents: r.amount_cents,
      chargedAt: r.charged_at.getTime(),
    }));
  } finally {
    await client.end();
  }
}

const BATCH = 1_000;

/** The stored outcome of each request id that has one. */
export async function readIdempotencyRecords(
  redisUrl: string,
  requestIds: readonly string[],
  keyOf: (id: string) => string = (id) => `faultline:conversion:${id}`,
): Promise<IdempotencyRecord[]> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  await redis.connect();
  try {
    const records: IdempotencyRecord[] = [];
    for (let i = 0; i < requestIds.length; i += BATCH) {
      const ids = requestIds.slice(i, i + BATCH);
      const values = await redis.mget(...ids.map(keyOf));
      values.forEach((json, j) => {
        if (json === null) return;
        const status = (JSON.parse(json) as { status?: unknown }).status;
        if (status === 'succeeded' || status === 'failed')
          records.push({ requestId: ids[j] as string, status });
      });
    }
    return records;
  } finally {
    redis.disconnect();
  }
}

export const readReferencePlatformBilling: BillingReader = async (env, requestIds, since) => {
  const [charges, idempotency] = await Promise.all([
    readLedger(env.storeUrl('postgres'), requestIds, since),
    readIdempotencyRecords(env.storeUrl('redis'), requestIds),
  ]);
  return { charges, idempotency };
};

const BY_TOPOLOGY: Record<string, BillingReader> = {
  'reference-platform': readReferencePlatformBilling,
};

/** The system's own reader if it has one, else the adapter for its topology; an error names the options. */
export function billingReader(system: System): BillingReader {
  const own = (system as System & { billing?: BillingReader }).billing;
  if (own) return own.bind(system);
  const reader = BY_TOPOLOGY[system.topology.name];
  if (!reader)
    throw new Error(
      `the ${system.topology.name} system exposes no billing ledger: give it a billing(env, requestIds, since) method, or add an adapter in support/checks/billing.ts (known: ${Object.keys(BY_TOPOLOGY).join(', ')})`,
    );
  return reader;
}
