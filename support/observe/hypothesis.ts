import type { Environment } from '../env/environment.ts';
import { poll } from '../poll.ts';
import type { DeclaredProbe } from './probe.ts';
import { readProbe } from './probe.ts';
import { type ProbeValue, show } from './tolerance.ts';

// A steady-state hypothesis checked three times over, as Chaos Toolkit checks one: before the method (the
// experiment does not start from a state that does not hold), continuously while it runs (every round of
// probes at the declared interval, each reading time-stamped and kept), and after the faults are rolled
// back. Every reading is kept, not only the deviations: a verdict that says "held" must show what it read.

export type Phase = 'before' | 'method' | 'after';

export interface Sample {
  /** Index of the probe in the hypothesis (its table row - 1). */
  probe: number;
  service: string;
  /** When the reading was asked for (epoch ms). */
  at: number;
  /** How long the probe took to answer (or to give up). */
  ms: number;
  phase: Phase;
  value?: ProbeValue;
  /** Why the probe gave no value: it could not answer (a timeout, a refused connection). */
  error?: string;
  /** The value is within the tolerance; false for a deviation or for no answer. */
  holds: boolean;
}

/** Checking more often would load the system the hypothesis watches, and rounds could not keep up. */
export const MIN_INTERVAL_MS = 50;

export function checkInterval(intervalMs: number): void {
  if (intervalMs < MIN_INTERVAL_MS)
    throw new Error(
      `a hypothesis checked every ${intervalMs} ms would load the system it watches: check at most every ${MIN_INTERVAL_MS} ms (e.g. every 200 ms)`,
    );
}

/** A probe waits this long for an answer; a service that answers later than that has not answered. */
export const PROBE_TIMEOUT_MS = 2_000;

export class Hypothesis {
  readonly samples: Sample[] = [];
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  readonly env: Environment;
  readonly probes: readonly DeclaredProbe[];
  readonly intervalMs: number;

  constructor(env: Environment, probes: readonly DeclaredProbe[], intervalMs: number) {
    this.env = env;
    this.probes = probes;
    this.intervalMs = intervalMs;
  }

  /** One reading of every probe, at once; kept and returned. */
  async round(phase: Phase): Promise<Sample[]> {
    const at = Date.now();
    const samples = await Promise.all(
      this.probes.map(async (p, probe): Promise<Sample> => {
        const started = performance.now();
        const base = { probe, service: p.service, at, phase };
        try {
          const value = await readProbe(this.env, p, PROBE_TIMEOUT_MS);
          const ms = Math.round((performance.now() - started) * 10) / 10;
          return { ...base, ms, value, holds: p.tolerance.accepts(value) };
        } catch (error) {
          const ms = Math.round((performance.now() - started) * 10) / 10;
          return { ...base, ms, error: (error as Error).message.split('\n')[0] ?? 'no answer', holds: false };
        }
      }),
    );
    this.samples.push(...samples);
    return samples;
  }

  /**
   * Rounds until one holds entirely or `withinMs` passed (a service may still be settling after its
   * readiness): the last round's deviations, empty when it held.
   */
  async settle(phase: Phase, withinMs: number): Promise<{ held: boolean; last: Sample[]; tookMs: number }> {
    const started = Date.now();
    const { held, value: last } = await poll(
      () => this.round(phase),
      (samples) => samples.every((s) => s.holds),
      { timeoutMs: withinMs, everyMs: Math.min(this.intervalMs, 200) },
    );
    return { held, last, tookMs: Date.now() - started };
  }

  /** Checks in the background at the interval until stop(); a round never overlaps the next. */
  start(): void {
    if (this.loop) return;
    this.loop = (async () => {
      while (!this.stopping) {
        const begun = Date.now();
        await this.round('method');
        const wait = this.intervalMs - (Date.now() - begun);
        if (wait > 0 && !this.stopping)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            // The loop must never keep the runner alive, nor delay a stop by a whole interval.
            timer.unref();
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
      }
    })();
  }

  get running(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  /** Ends the background checking, waiting for the round under way (bounded by the probes' timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  describe(sample: Sample): string {
    const p = this.probes[sample.probe] as DeclaredProbe;
    const what = `${p.text} of ${p.service}`;
    if (sample.error !== undefined)
      return `${what}: no answer (${sample.error}) — tolerance ${p.tolerance.text}`;
    if (sample.holds) return `${what}: ${show(sample.value as ProbeValue)}, within ${p.tolerance.text}`;
    return `${what}: ${p.tolerance.distance(sample.value as ProbeValue)} — tolerance ${p.tolerance.text}`;
  }
}
