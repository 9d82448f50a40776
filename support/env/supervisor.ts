import { constants } from 'node:os';
import { residue } from '../cleanup/residue.ts';
import type { RestartPolicy } from '../system/topology.ts';
import type { LifecycleEvent } from './environment.ts';

// What a process supervisor (systemd, supervisord, Kubernetes' kubelet) does for a service that declares a
// restart policy, done by the backend itself so both backends behave alike and every exit and start is
// recorded with its time: when the process exits, and the policy says so, wait a backoff that doubles with
// each exit in a row (CrashLoopBackOff), capped, then start it again. A service that ran `resetMs` before
// exiting starts the doubling afresh. The harness's own stops (teardown, a restart it performs) are held
// out of the supervisor's view, so it never races the harness for a process; without a policy only the
// record is kept.

type Exit = { code: number | null; signal: string | null };

/** An exit status the policy `on-failure` restarts after: any signal, or a non-zero code. */
export const failed = (exit: Exit): boolean => exit.signal !== null || (exit.code ?? 0) !== 0;

/**
 * A container reports only a code; 128 + n is how a shell and the engine report death by signal n
 * (137 = SIGKILL, 143 = SIGTERM).
 */
export function exitOfCode(code: number | null): Exit {
  if (code !== null && code > 128) {
    const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name) return { code, signal: name };
  }
  return { code, signal: null };
}

export class Supervisor {
  readonly events: LifecycleEvent[] = [];
  private held = 0;
  private closed = false;
  private streak = 0;
  private lastStart = 0;
  private timer: NodeJS.Timeout | undefined;
  private cancel: (() => void) | undefined;
  /** The supervisor's restart, from the exit until the service is ready again (or the start failed). */
  private pendingRestart: Promise<void> | undefined;

  readonly service: string;
  readonly policy: RestartPolicy | undefined;
  /** Starts the process and waits until it is ready; rejects when it exits before. */
  private readonly start: () => Promise<void>;
  private readonly incarnation: () => string;

  constructor(
    service: string,
    policy: RestartPolicy | undefined,
    start: () => Promise<void>,
    incarnation: () => string,
  ) {
    this.service = service;
    this.policy = policy;
    this.start = start;
    this.incarnation = incarnation;
  }

  /** The process started (and is ready). */
  started(by: 'supervisor' | 'harness', backoffMs?: number): void {
    this.lastStart = Date.now();
    this.events.push({
      at: this.lastStart,
      event: 'started',
      incarnation: this.incarnation(),
      by,
      ...(backoffMs === undefined ? {} : { backoffMs }),
    });
  }

  /** The process exited (seen by the backend); restarts it when the policy says so and nobody holds it. */
  exited(exit: Exit, incarnation = this.incarnation()): void {
    const at = Date.now();
    this.events.push({ at, event: 'exited', incarnation, exit });
    if (!this.policy || this.held > 0 || this.closed || residue.closing) return;
    if (this.policy.policy === 'on-failure' && !failed(exit)) return;
    this.streak = at - this.lastStart >= this.policy.backoff.resetMs ? 1 : this.streak + 1;
    const { initialMs, maxMs } = this.policy.backoff;
    const backoffMs = Math.min(maxMs, initialMs * 2 ** (this.streak - 1));
    const pending: Promise<void> = new Promise<void>((resolve) => {
      this.cancel = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.cancel = undefined;
        if (this.closed || this.held > 0 || residue.closing) return resolve();
        this.start().then(
          () => {
            this.started('supervisor', backoffMs);
            resolve();
          },
          // A start that failed is an exit of its own (the backend reports it): the next backoff follows.
          () => resolve(),
        );
      }, backoffMs);
      this.timer.unref();
    }).finally(() => {
      if (this.pendingRestart === pending) this.pendingRestart = undefined;
    });
    this.pendingRestart = pending;
  }

  /** Whether the supervisor is about to start the service (or starting it). */
  get restarting(): boolean {
    return this.pendingRestart !== undefined;
  }

  /**
   * Settles once no restart of the supervisor's is under way: a start that failed (the process died
   * before it was ready) is followed by the next, waited for as well.
   */
  async settled(): Promise<void> {
    while (this.pendingRestart) await this.pendingRestart;
  }

  /** Runs a stop or start of the harness's own, which the supervisor must not answer with a restart. */
  async hold<T>(fn: () => Promise<T>): Promise<T> {
    this.held += 1;
    try {
      return await fn();
    } finally {
      this.held -= 1;
    }
  }

  /** No more restarts (teardown); waits for one in flight, so teardown finds every process it started. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.cancel?.();
    await this.pendingRestart;
  }
}
