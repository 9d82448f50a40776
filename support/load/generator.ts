import { recordOperation } from '../observe/run-metrics.ts';
import { now } from './clock.ts';
import type { Operation } from './history.ts';
import { countOf, type LoadPlan, timeLimitOf, validatePlan } from './plan.ts';

/** What a target reports about one operation; the generator adds the kind, the id and the timestamps. */
export type Result = Omit<Operation, 'kind' | 'id' | 'intendedAt' | 'invokedAt' | 'completedAt'> & {
  /**
   * When the request actually went on the wire, if the target knows (the generator's clock). A client
   * library may hold a request back briefly — undici waits one event-loop turn before reusing a keep-alive
   * socket — and that wait is the client's, not the system's: it becomes the operation's invokedAt, as wrk
   * and autocannon start their clocks at the write. Open-loop latency still counts from the intended start.
   */
  sentAt?: number;
};

export interface Invocation {
  readonly id: string;
  /** 0-based position of the operation in the run. */
  readonly index: number;
  /** Aborted when the operation timed out or the run stopped: a target that honours it frees its connection. */
  readonly signal: AbortSignal;
  /** The same, without an AbortController per operation (for hot paths): `fn` runs once if given up on. */
  onCancel(fn: () => void): void;
}

/** Something the generator can offer load to: a system's operation, or a raw HTTP endpoint. */
export interface Target {
  readonly kind: string;
  /** Id of the index-th operation: the request id, and the idempotency key where the system has one. */
  id(index: number): string;
  /** Performs one operation. A failure is a Result; a throw is recorded as unknown (effect not known). */
  invoke(invocation: Invocation): Promise<Result>;
}

export type StopReason = 'duration' | 'count' | 'time limit' | 'aborted';

export interface LoadRun {
  kind: string;
  loop: 'closed' | 'open';
  startedAt: number;
  endedAt: number;
  /** Every operation of the run, in completion order: answered, timed out, or (open loop) never sent. */
  operations: Operation[];
  /** Operations handed to the target. */
  sent: number;
  /** Open loop: operations that were due but never sent before the run's time limit (recorded as fail). */
  notSent: number;
  stoppedBy: StopReason;
}

export interface LoadHandle {
  readonly startedAt: number;
  /** Grows as operations complete, so a background load can be watched. */
  readonly operations: readonly Operation[];
  readonly done: Promise<LoadRun>;
  /** Stops offering load and settles at once: in-flight operations are recorded as unknown. */
  stop(): void;
}

export interface RunOptions {
  /** Called for every recorded operation, e.g. History.record. */
  record?: (op: Operation) => void;
  signal?: AbortSignal;
}

interface Stamp {
  id: string;
  intendedAt: number | undefined;
  invokedAt: number;
}

/** One operation in flight: its stamps, its cancellation, and the client waiting for it. */
class Call implements Stamp, Invocation {
  readonly id: string;
  readonly index: number;
  readonly intendedAt: number | undefined;
  readonly invokedAt: number;
  /** Lets the client that issued it continue, whether it was answered or given up on. */
  wake: () => void = () => {};
  private cancelled = false;
  private hook: (() => void) | undefined;
  // Created only when a target asks for a signal: most hot paths never do.
  private controller: AbortController | undefined;

  constructor(id: string, index: number, intendedAt: number | undefined) {
    this.id = id;
    this.index = index;
    this.intendedAt = intendedAt;
    this.invokedAt = now();
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort();
    }
    return this.controller.signal;
  }

  onCancel(fn: () => void): void {
    if (this.cancelled) fn();
    else this.hook = fn;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    try {
      this.hook?.();
    } catch {
      // A target that fails to cancel must not take the run down; the operation is recorded either way.
    }
    this.controller?.abort();
  }
}

/** Offers load per the plan and resolves when it is over; see LoadShape for the two loops. */
export function runLoad(plan: LoadPlan, target: Target, options: RunOptions = {}): Promise<LoadRun> {
  return startLoad(plan, target, options).done;
}

export function startLoad(plan: LoadPlan, target: Target, options: RunOptions = {}): LoadHandle {
  validatePlan(plan);
  const run = new Run(plan, target, options);
  return {
    startedAt: run.startedAt,
    operations: run.operations,
    done: run.done,
    stop: () => run.settle('aborted'),
  };
}

class Run {
  readonly operations: Operation[] = [];
  readonly startedAt = now();
  readonly done: Promise<LoadRun>;
  private resolve: (run: LoadRun) => void = () => {};
  private readonly inFlight = new Map<number, Call>();
  private readonly timers: NodeJS.Timeout[] = [];
  private limit: number;
  /** Past this moment no new operation is offered. */
  private readonly offerUntil: number;
  private sent = 0;
  private notSent = 0;
  private stopping = false;
  private settled = false;
  private stoppedBy: StopReason = 'count';
  // Open loop only.
  private interval = 0;
  private next = 0;
  private scheduleTimer: NodeJS.Timeout | undefined;

  private readonly plan: LoadPlan;
  private readonly target: Target;
  private readonly options: RunOptions;

  constructor(plan: LoadPlan, target: Target, options: RunOptions) {
    this.plan = plan;
    this.target = target;
    this.options = options;
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.limit = countOf(plan);
    this.offerUntil = this.startedAt + (plan.durationMs ?? Number.POSITIVE_INFINITY);
    this.timers.push(setTimeout(() => this.settle('time limit'), timeLimitOf(plan)));
    // One sweep for all timeouts instead of a timer per operation: cheap at 10,000+ operations a second,
    // and precise to a twentieth of the timeout (undici's own timeouts tick at half a second).
    const resolution = Math.min(50, Math.max(1, plan.timeoutMs / 20));
    this.timers.push(setInterval(this.sweep, resolution));
    if (options.signal?.aborted) {
      queueMicrotask(() => this.settle('aborted'));
      return;
    }
    options.signal?.addEventListener('abort', () => this.settle('aborted'), { once: true });
    const { shape } = plan;
    if (shape.loop === 'closed') {
      if (plan.durationMs !== undefined)
        this.timers.push(setTimeout(() => this.stop('duration'), plan.durationMs));
      const clients = Array.from({ length: shape.clients }, () => this.client());
      void Promise.all(clients).then(() => this.settle(this.stoppedBy));
    } else {
      // The schedule itself ends the offer: no duration timer, so operations still waiting for a slot when
      // the offered period ends are sent late (and measured from their due time), not dropped.
      this.interval = 1000 / shape.ratePerSecond;
      const scheduled =
        plan.durationMs === undefined ? Number.POSITIVE_INFINITY : Math.ceil(plan.durationMs / this.interval);
      if (scheduled < this.limit) {
        this.limit = scheduled;
        this.stoppedBy = 'duration';
      }
      this.pump();
    }
  }

  /** Closed loop: one client issues its next operation as soon as the previous one completed. */
  private async client(): Promise<void> {
    while (!this.stopping) {
      // Checked here too, not only by the timer: a target that answers without I/O would starve timers.
      if (now() >= this.offerUntil) return this.stop('duration');
      if (this.sent >= this.limit) return this.stop('count');
      await this.dispatch(this.sent, undefined);
    }
  }

  /**
   * Open loop: sends every operation that is due and has a free slot. Operation i is due at
   * start + i/rate whatever happened before; one that waits for a slot keeps that intended start.
   */
  private readonly pump = (): void => {
    if (this.stopping) return;
    const due = this.dueCount(now());
    const shape = this.plan.shape;
    const maxInFlight = shape.loop === 'open' ? shape.maxInFlight : 1;
    while (this.next < due && this.inFlight.size < maxInFlight) {
      const index = this.next++;
      void this.dispatch(index, this.startedAt + index * this.interval).then(this.pump);
    }
    if (this.next >= this.limit) {
      if (this.inFlight.size === 0) this.settle(this.stoppedBy);
      return;
    }
    if (due < this.limit && this.scheduleTimer === undefined) {
      const wait = Math.max(0, this.startedAt + due * this.interval - now());
      this.scheduleTimer = setTimeout(() => {
        this.scheduleTimer = undefined;
        this.pump();
      }, wait);
    }
  };

  private dueCount(at: number): number {
    return Math.min(this.limit, Math.floor((at - this.startedAt) / this.interval) + 1);
  }

  private dispatch(index: number, intendedAt: number | undefined): Promise<void> {
    const call = new Call(this.target.id(index), index, intendedAt);
    return new Promise<void>((wake) => {
      call.wake = wake;
      this.inFlight.set(index, call);
      this.sent += 1;
      let answer: Promise<Result>;
      try {
        answer = this.target.invoke(call);
      } catch (error) {
        answer = Promise.reject(error);
      }
      answer.then(
        (result) => this.complete(call, result),
        (error: unknown) =>
          this.complete(call, {
            outcome: 'unknown',
            attempts: [],
            error: `the client threw: ${error instanceof Error ? error.message : String(error)}`,
          }),
      );
    });
  }

  private complete(call: Call, result: Result): void {
    // Already recorded as unknown: it timed out, or the run settled without it.
    if (this.inFlight.get(call.index) !== call) return;
    this.inFlight.delete(call.index);
    this.record(call, now(), result);
    call.wake();
  }

  /** Records an operation given up on as unknown, and lets its target and its client know. */
  private abandon(call: Call, at: number, error: string): void {
    this.record(call, at, { outcome: 'unknown', attempts: [], error });
    call.cancel();
    call.wake();
  }

  /** Gives up on operations sent more than a timeout ago: unknown, since they may still take effect. */
  private readonly sweep = (): void => {
    const at = now();
    const sentBefore = at - this.plan.timeoutMs;
    // The map iterates in dispatch order, which is invocation order: stop at the first one still in time.
    for (const [index, call] of this.inFlight) {
      if (call.invokedAt > sentBefore) break;
      this.inFlight.delete(index);
      this.abandon(call, at, `timeout: no answer within ${this.plan.timeoutMs} ms`);
    }
  };

  private record(stamp: Stamp, completedAt: number, result: Result): void {
    // Built field by field, not spread: this runs for every operation, tens of thousands a second.
    const op: Operation = {
      kind: this.target.kind,
      id: stamp.id,
      invokedAt: result.sentAt ?? stamp.invokedAt,
      completedAt,
      outcome: result.outcome,
      attempts: result.attempts,
    };
    if (stamp.intendedAt !== undefined) op.intendedAt = stamp.intendedAt;
    if (result.status !== undefined) op.status = result.status;
    if (result.service !== undefined) op.service = result.service;
    if (result.servedBy !== undefined) op.servedBy = result.servedBy;
    if (result.error !== undefined) op.error = result.error;
    this.operations.push(op);
    recordOperation(op);
    this.options.record?.(op);
  }

  /** Closed loop: no new operations; the run settles once the clients' last operations come back. */
  private stop(reason: StopReason): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stoppedBy = reason;
  }

  /** Ends the run now: whatever is still in flight is unknown, whatever was due but unsent is recorded. */
  settle(reason: StopReason): void {
    if (this.settled) return;
    this.stoppedBy = reason;
    this.stopping = true;
    this.settled = true;
    clearTimeout(this.scheduleTimer);
    for (const timer of this.timers) clearTimeout(timer);
    const at = now();
    const why = reason === 'aborted' ? 'the load was stopped' : "the run's time limit was reached";
    const left = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const call of left) this.abandon(call, at, `no answer before ${why}`);
    if (this.plan.shape.loop === 'open') this.recordUnsent(at, why);
    this.resolve({
      kind: this.target.kind,
      loop: this.plan.shape.loop,
      startedAt: this.startedAt,
      endedAt: at,
      operations: this.operations,
      sent: this.sent,
      notSent: this.notSent,
      stoppedBy: this.stoppedBy,
    });
  }

  /** Operations whose intended start has passed but that never got a slot: they count, as failures. */
  private recordUnsent(at: number, why: string): void {
    const due = this.dueCount(at);
    const shape = this.plan.shape;
    const slots = shape.loop === 'open' ? shape.maxInFlight : 0;
    for (; this.next < due; this.next++) {
      this.notSent += 1;
      this.record(
        {
          id: this.target.id(this.next),
          intendedAt: this.startedAt + this.next * this.interval,
          invokedAt: at,
        },
        at,
        {
          outcome: 'fail',
          attempts: [],
          error: `never sent: all ${slots} in-flight slots were busy until ${why}`,
        },
      );
    }
  }
}
