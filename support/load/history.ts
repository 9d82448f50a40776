// Jepsen's vocabulary: a client operation is invoked and completes ok, fails, or stays unknown (a timeout
// says nothing about whether the effect happened). Checks judge these records, never assumptions.

export type Outcome = 'ok' | 'fail' | 'unknown';

/** One try of an operation against one member, as the system itself reported it. */
export interface Attempt {
  target: string;
  outcome: 'ok' | 'timeout' | 'unreachable' | 'error';
  startedAt: number;
  endedAt: number;
  status?: number;
  error?: string;
}

export interface Operation {
  kind: string;
  id: string;
  /**
   * When an open-loop schedule said this operation should start. Absent for closed-loop and single
   * operations, whose start is their invocation. Latency counts from here, so time spent waiting for a free
   * client (queueing behind a slow system) is not silently dropped — the coordinated-omission fix.
   */
  intendedAt?: number;
  invokedAt: number;
  completedAt: number;
  outcome: Outcome;
  status?: number;
  /**
   * The service the client sent it to — the coordinator that decides which member does the work and retries
   * elsewhere — when the operation records it (HTTP operations do). Retry verdicts check their words against it.
   */
  service?: string;
  /** Member that finally served it, when the system says so. */
  servedBy?: string;
  attempts: Attempt[];
  error?: string;
}

export const durationOf = (op: Operation): number => op.completedAt - op.invokedAt;

/** When the operation was due: its intended start under an open-loop schedule, else its invocation. */
export const startOf = (op: Operation): number => op.intendedAt ?? op.invokedAt;

/** What the client experienced: from when the operation was due until it completed (includes queueing). */
export const latencyOf = (op: Operation): number => op.completedAt - startOf(op);

export class History {
  readonly operations: Operation[] = [];

  record(op: Operation): Operation {
    this.operations.push(op);
    return op;
  }

  last(kind?: string): Operation | undefined {
    for (let i = this.operations.length - 1; i >= 0; i--) {
      const op = this.operations[i]!;
      if (!kind || op.kind === kind) return op;
    }
    return undefined;
  }

  between(from: number, to: number): Operation[] {
    return this.operations.filter((op) => op.invokedAt >= from && op.invokedAt < to);
  }
}
