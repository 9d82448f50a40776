import { type AbortCondition, type Breach, firstBreach } from './abort.ts';
import { now } from './clock.ts';
import type { Operation } from './history.ts';

// Watches a scenario's history against its abort conditions while the experiment runs, and calls the brake
// once, on the first breach. A timer rather than a check per recorded operation: a load records tens of
// thousands of operations a second, and a brake that bites within a tenth of a second is soon enough.

export const CHECK_EVERY_MS = 100;

export interface Brake {
  /** What was breached. */
  breach: Breach;
  /** Settles once the brake has acted (load stopped, faults rolled back), with what it could not undo. */
  done: Promise<string[]>;
}

export class AbortWatch {
  readonly conditions: AbortCondition[] = [];
  private brakeValue: Brake | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly history: () => readonly Operation[];
  private readonly act: (breach: Breach) => Promise<string[]>;
  private wake: (brake: Brake) => void = () => {};
  /** Resolves when a condition is breached (never, if none is). */
  readonly braked: Promise<Brake>;

  /** `act` stops the experiment and returns what it could not undo. */
  constructor(history: () => readonly Operation[], act: (breach: Breach) => Promise<string[]>) {
    this.history = history;
    this.act = act;
    this.braked = new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  get brake(): Brake | undefined {
    return this.brakeValue;
  }

  add(condition: AbortCondition): void {
    this.conditions.push(condition);
    if (this.timer === undefined && this.brakeValue === undefined) {
      this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
      // The watch must never keep a finished run alive.
      this.timer.unref();
    }
  }

  /** Judges the history now; pulls the brake on a breach. Returns the brake once pulled. */
  check(at = now()): Brake | undefined {
    if (this.brakeValue) return this.brakeValue;
    const breach = firstBreach(this.conditions, this.history(), at);
    if (!breach) return undefined;
    return this.trip(breach);
  }

  /**
   * Pulls the brake for a breach seen elsewhere (a PromQL condition, polled from Prometheus): the same
   * brake, once, whoever sees a breach first.
   */
  trip(breach: Breach): Brake {
    if (this.brakeValue) return this.brakeValue;
    this.close();
    const done = this.act(breach).catch((error: unknown) => [
      `stopping the experiment failed: ${error instanceof Error ? error.message : String(error)}`,
    ]);
    this.brakeValue = { breach, done };
    this.wake(this.brakeValue);
    return this.brakeValue;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.closedValue = true;
    for (const stop of this.onClose.splice(0)) stop();
  }

  private closedValue = false;
  private readonly onClose: (() => void)[] = [];

  /** Whether the watch has ended (braked, or the scenario is over): pollers stop then. */
  get closed(): boolean {
    return this.closedValue;
  }

  /** Runs `stop` when the watch ends (at once if it has): how a poller of its own is stopped with it. */
  whenClosed(stop: () => void): void {
    if (this.closedValue) stop();
    else this.onClose.push(stop);
  }
}

const watches = new WeakMap<object, AbortWatch>();

/** The scenario's watch, created on first use with the brake `act`. */
export function watchFor(
  owner: object,
  history: () => readonly Operation[],
  act: (breach: Breach) => Promise<string[]>,
): AbortWatch {
  let watch = watches.get(owner);
  if (!watch) {
    watch = new AbortWatch(history, act);
    watches.set(owner, watch);
  }
  return watch;
}

/** The scenario's watch, if it declared any abort condition. */
export function watchOf(owner: object): AbortWatch | undefined {
  return watches.get(owner);
}
