// A load plan says how operations are offered (the loop), for how long or how many, and how long one
// operation may take before it counts as unknown. Every run is bounded twice — by count and by time — so
// neither a fast system (memory) nor a hung one (wall clock) can make a run unbounded.

/**
 * Closed loop: `clients` clients each issue their next operation when the previous one completes — the
 * offered load falls as the system slows (what autocannon and wrk do).
 * Open loop: operations are due at a fixed rate whatever the system does; one that cannot be sent on time
 * (all `maxInFlight` slots busy) waits, and its latency counts from when it was due.
 */
export type LoadShape =
  | { loop: 'closed'; clients: number }
  | { loop: 'open'; ratePerSecond: number; maxInFlight: number };

export interface LoadPlan {
  shape: LoadShape;
  /** Offer load for this long (ms)… */
  durationMs?: number;
  /** …or until this many operations were issued, whichever comes first. At least one of the two is required. */
  count?: number;
  /** An operation without an answer after this long is recorded as unknown. */
  timeoutMs: number;
  /** Hard bound on the whole run including the drain of in-flight operations (default: see timeLimitOf). */
  timeLimitMs?: number;
}

/** Memory bound when only a duration is given: a million operations is ~0.5 GB of history at most. */
export const DEFAULT_MAX_COUNT = 1_000_000;
/** Wall-clock bound when only a count is given to a closed loop, whose pace is the system's. */
export const DEFAULT_COUNT_TIME_LIMIT_MS = 10 * 60_000;

export class LoadPlanError extends Error {}

const positiveInteger = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n > 0;

/** Rejects a plan that is not bounded or not meaningful, saying what is accepted. */
export function validatePlan(plan: LoadPlan): void {
  const { shape } = plan;
  if (shape.loop === 'closed' && !positiveInteger(shape.clients))
    throw new LoadPlanError(`${shape.clients} clients: a closed loop needs a whole number of clients ≥ 1`);
  if (shape.loop === 'open') {
    if (!(Number.isFinite(shape.ratePerSecond) && shape.ratePerSecond > 0))
      throw new LoadPlanError(`${shape.ratePerSecond} requests per second: an open loop needs a rate > 0`);
    if (!positiveInteger(shape.maxInFlight))
      throw new LoadPlanError(`maxInFlight ${shape.maxInFlight}: use a whole number ≥ 1`);
  }
  if (plan.durationMs === undefined && plan.count === undefined)
    throw new LoadPlanError('a load needs a duration, a count, or both');
  if (plan.durationMs !== undefined && !(Number.isFinite(plan.durationMs) && plan.durationMs > 0))
    throw new LoadPlanError(`duration ${plan.durationMs} ms: use a duration > 0`);
  if (plan.count !== undefined && !positiveInteger(plan.count))
    throw new LoadPlanError(`count ${plan.count}: use a whole number of operations ≥ 1`);
  if (!(Number.isFinite(plan.timeoutMs) && plan.timeoutMs > 0))
    throw new LoadPlanError(`timeout ${plan.timeoutMs} ms: use a timeout > 0`);
  if (plan.timeLimitMs !== undefined && !(Number.isFinite(plan.timeLimitMs) && plan.timeLimitMs > 0))
    throw new LoadPlanError(`time limit ${plan.timeLimitMs} ms: use a limit > 0`);
}

/** How many operations the run may issue at most. */
export const countOf = (plan: LoadPlan): number => plan.count ?? DEFAULT_MAX_COUNT;

/**
 * How long the run may take at most, drain included: the offered period plus one timeout for the last
 * operations (plus a second of slack for timers), unless the plan says otherwise.
 */
export function timeLimitOf(plan: LoadPlan): number {
  if (plan.timeLimitMs !== undefined) return plan.timeLimitMs;
  const { shape } = plan;
  const scheduled =
    shape.loop === 'open' && plan.count !== undefined ? (plan.count / shape.ratePerSecond) * 1000 : undefined;
  const offered = Math.min(
    plan.durationMs ?? Number.POSITIVE_INFINITY,
    scheduled ?? Number.POSITIVE_INFINITY,
  );
  if (!Number.isFinite(offered)) return DEFAULT_COUNT_TIME_LIMIT_MS;
  return offered + plan.timeoutMs + 1_000;
}
