// Every fault is written into the scenario's ledger together with its undo *before* it is applied, so a
// step that throws half-way, a timeout or Ctrl-C still finds something to roll back. Start and stop are
// time-stamped: checks split the history into phases by them.
//
// A step that times out is abandoned by cucumber, not stopped: its fault may still be half-way through
// apply() when the After hook rolls back. Rollback therefore waits (bounded) for applies in flight before
// undoing, an apply that finishes after its undo is undone once more, and once rolled back the ledger
// refuses new faults — a late step must not leave one behind after the scenario has been cleaned.

//
// A fault that can tell whether the system's own traffic reached it (a network fault: the proxy counts what
// crossed each link) has a `felt` check, run once at the end of its hold, just before its undo — whether it
// heals on its timer or at rollback. Its result is kept on the record; the After hook fails a scenario whose
// fault was not felt as an invalid experiment.

/** Whether the system's own traffic met the fault while it held. */
export interface TrafficProof {
  /** True only when traffic was seen; false when none was, or when it could not be counted (`unknown`). */
  ok: boolean;
  /** The traffic could not be counted (e.g. a fault proxy without counters): never a pass. */
  unknown?: boolean;
  /** One line with the figures per link, or why there are none. */
  evidence: string;
}

export interface FaultSpec {
  kind: string;
  description: string;
  /** What the fault acts on (the member crashed, the service whose answers are slowed). */
  targets: string[];
  /**
   * Every service the fault touches, for the coverage matrix: both ends of a cut link (cutting worker →
   * redis counts for redis too). Defaults to the targets.
   */
  touches?: string[];
  apply(): Promise<string[]>;
  undo(): Promise<void>;
  /** Proof that the system's traffic met the fault, asked just before the undo (only if apply succeeded). */
  felt?(): Promise<TrafficProof>;
  /** Heal by itself after this long (the scenario's "for 30 seconds"). */
  durationMs?: number;
}

export interface FaultRecord {
  id: number;
  kind: string;
  description: string;
  targets: string[];
  /** Every service the fault touches (both ends of a link), for coverage; the targets when not given. */
  touches?: string[];
  state: 'applying' | 'active' | 'undone' | 'undo-failed';
  startedAt?: number;
  stoppedAt?: number;
  plannedMs?: number;
  /** What proved the fault took effect (probe results, proxy state). */
  evidence: string[];
  /** The fault's traffic proof, taken at the end of its hold (absent for faults that have none). */
  felt?: TrafficProof;
  undoError?: string;
}

export class FaultLedger {
  readonly records: FaultRecord[] = [];
  private readonly undos = new Map<number, () => Promise<void>>();
  private readonly felts = new Map<number, () => Promise<TrafficProof>>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly applying = new Map<number, Promise<unknown>>();
  /** Undos under way (a fault healing on its timer): rollback waits for them before it reports. */
  private readonly healing = new Map<number, Promise<unknown>>();
  /** Resolved when a fault's undo has ended (well or not): what awaitTimedHeals waits on. */
  private readonly ended = new Map<number, { promise: Promise<void>; resolve: () => void }>();
  private closed = false;
  private readonly applyWaitMs: number;

  /** `applyWaitMs`: how long rollback waits for a fault still being applied before undoing it anyway. */
  constructor(options: { applyWaitMs?: number } = {}) {
    this.applyWaitMs = options.applyWaitMs ?? 10_000;
  }

  async inject(spec: FaultSpec): Promise<FaultRecord> {
    if (this.closed)
      throw new Error(
        `fault not applied (${spec.description}): the scenario has already been rolled back (a step that timed out?)`,
      );
    const record: FaultRecord = {
      id: this.records.length + 1,
      kind: spec.kind,
      description: spec.description,
      targets: spec.targets,
      ...(spec.touches ? { touches: [...new Set(spec.touches)] } : {}),
      state: 'applying',
      plannedMs: spec.durationMs,
      evidence: [],
    };
    this.records.push(record);
    this.undos.set(record.id, spec.undo);
    let resolve = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.ended.set(record.id, { promise, resolve });
    record.startedAt = Date.now();
    const applying = spec.apply();
    this.applying.set(
      record.id,
      applying.catch(() => {}),
    );
    try {
      record.evidence = await applying;
    } finally {
      this.applying.delete(record.id);
    }
    if (!this.undos.has(record.id)) {
      // Rolled back while still applying: what apply did after its undo ran is undone again.
      await spec.undo().catch((error: Error) => {
        record.state = 'undo-failed';
        record.undoError = `applied after rollback, and undoing it failed: ${error.message}`;
      });
      throw new Error(`fault #${record.id} (${spec.description}) finished applying after rollback; undone`);
    }
    record.state = 'active';
    if (spec.felt) this.felts.set(record.id, spec.felt.bind(spec));
    if (spec.durationMs !== undefined) this.healAt(record, Date.now() + spec.durationMs);
    return record;
  }

  /**
   * Heals the fault at `at` (ms epoch). "For 2 seconds" counts from when the fault has proven itself in
   * place: the system's traffic is measured from then (after the proof's own probes), so that is the window
   * the duration must give it — the time the proof took (a latency proof waits out the delay) comes on top.
   * The timer is re-armed if it fires before the wall clock says so (libuv measures from a cached loop time).
   */
  private healAt(record: FaultRecord, at: number): void {
    const left = at - Date.now();
    if (left > 0) {
      const timer = setTimeout(() => this.healAt(record, at), left);
      timer.unref();
      this.timers.set(record.id, timer);
      return;
    }
    void this.heal(record).catch(() => {});
  }

  /**
   * Resolves once every fault still in place that heals by itself ("… for 3 seconds") has healed, or
   * `graceMs` past the latest of their planned ends: whether they all healed in time. A fault held until
   * rollback is not waited for. Its undo's end is awaited, not polled for.
   */
  async awaitTimedHeals(graceMs: number): Promise<boolean> {
    const timed = this.records.filter(
      (r) => r.plannedMs !== undefined && (r.state === 'active' || r.state === 'applying'),
    );
    if (timed.length === 0) return true;
    const ends = timed.map((r) => (r.startedAt ?? Date.now()) + (r.plannedMs as number));
    const deadline = Math.max(Date.now(), ...ends) + graceMs;
    const healed = Promise.all(timed.map((r) => this.ended.get(r.id)?.promise));
    return settlesWithin(healed, deadline - Date.now());
  }

  active(kind?: string): FaultRecord[] {
    return this.records.filter(
      (r) => (r.state === 'active' || r.state === 'applying') && (!kind || r.kind === kind),
    );
  }

  /** Undoes one fault (idempotent). */
  async heal(record: FaultRecord): Promise<void> {
    clearTimeout(this.timers.get(record.id));
    this.timers.delete(record.id);
    const undo = this.undos.get(record.id);
    if (!undo) {
      // Healing already (its timer fired): whoever asks waits for that undo to end.
      await this.healing.get(record.id);
      return;
    }
    // Claimed before anything is awaited: a timer's heal and a rollback racing for it run the undo once.
    this.undos.delete(record.id);
    const healed = this.undoOnce(record, undo);
    this.healing.set(
      record.id,
      healed.catch(() => {}),
    );
    try {
      await healed;
    } finally {
      this.healing.delete(record.id);
    }
  }

  private async undoOnce(record: FaultRecord, undo: () => Promise<void>): Promise<void> {
    const felt = this.felts.get(record.id);
    this.felts.delete(record.id);
    if (felt) await this.prove(record, felt);
    try {
      await undo();
      record.state = 'undone';
    } catch (error) {
      record.state = 'undo-failed';
      record.undoError = (error as Error).message;
      throw error;
    } finally {
      record.stoppedAt = Date.now();
      this.ended.get(record.id)?.resolve();
    }
  }

  /** Runs a fault's traffic proof while the fault still holds; a proof that cannot be read is unknown. */
  private async prove(record: FaultRecord, felt: () => Promise<TrafficProof>): Promise<void> {
    try {
      record.felt = await felt();
    } catch (error) {
      record.felt = {
        ok: false,
        unknown: true,
        evidence: `the traffic proof could not be read: ${(error as Error).message}`,
      };
    }
    record.evidence.push(`traffic: ${record.felt.evidence}`);
  }

  /**
   * One line per fault whose traffic proof failed: the experiment is invalid, whatever its verdicts said.
   * The wording ("had no effect") is what the report's 'Invalid experiment' category matches.
   */
  withoutEffect(): string[] {
    return this.records
      .filter((r) => r.felt !== undefined && !r.felt.ok)
      .map(
        (r) =>
          `fault had no effect${r.felt?.unknown ? ' that could be proven' : ''}: ${r.felt?.evidence} — fault #${r.id}, ${r.description}`,
      );
  }

  /** Undoes everything still in place, newest first; reports every undo that failed, not just the first. */
  async rollback(): Promise<string[]> {
    this.closed = true;
    const failures: string[] = [];
    for (const record of [...this.records].reverse()) {
      // A fault healing on its timer right now: its undo ends before the environment is checked.
      await this.healing.get(record.id);
      if (!this.undos.has(record.id)) continue;
      const applying = this.applying.get(record.id);
      if (applying) {
        if (!(await settlesWithin(applying, this.applyWaitMs)))
          failures.push(
            `fault #${record.id} (${record.description}) was still being applied after ${this.applyWaitMs} ms; undone anyway`,
          );
      }
      try {
        await this.heal(record);
      } catch (error) {
        failures.push(
          `fault #${record.id} (${record.description}): undo failed: ${(error as Error).message}`,
        );
      }
    }
    return failures;
  }
}

/** Whether `promise` settles within `ms` (its outcome aside); the timer is cleared either way. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      new Promise<false>((r) => {
        timer = setTimeout(() => r(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
