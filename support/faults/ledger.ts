// Every fault is written into the scenario's ledger together with its undo *before* it is applied, so a
// step that throws half-way, a timeout or Ctrl-C still finds something to roll back. Start and stop are
// time-stamped: checks split the history into phases by them.
//
// A step that times out is abandoned by cucumber, not stopped: its fault may still be half-way through
// apply() when the After hook rolls back. Rollback therefore waits (bounded) for applies in flight before
// undoing, an apply that finishes after its undo is undone once more, and once rolled back the ledger
// refuses new faults — a late step must not leave one behind after the scenario has been cleaned.

export interface FaultSpec {
  kind: string;
  description: string;
  targets: string[];
  apply(): Promise<string[]>;
  undo(): Promise<void>;
  /** Heal by itself after this long (the scenario's "for 30 seconds"). */
  durationMs?: number;
}

export interface FaultRecord {
  id: number;
  kind: string;
  description: string;
  targets: string[];
  state: 'applying' | 'active' | 'undone' | 'undo-failed';
  startedAt?: number;
  stoppedAt?: number;
  plannedMs?: number;
  /** What proved the fault took effect (probe results, proxy state). */
  evidence: string[];
  undoError?: string;
}

export class FaultLedger {
  readonly records: FaultRecord[] = [];
  private readonly undos = new Map<number, () => Promise<void>>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly applying = new Map<number, Promise<unknown>>();
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
      state: 'applying',
      plannedMs: spec.durationMs,
      evidence: [],
    };
    this.records.push(record);
    this.undos.set(record.id, spec.undo);
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
    if (spec.durationMs !== undefined) {
      const timer = setTimeout(() => void this.heal(record).catch(() => {}), spec.durationMs);
      timer.unref();
      this.timers.set(record.id, timer);
    }
    return record;
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
    if (!undo) return;
    this.undos.delete(record.id);
    try {
      await undo();
      record.state = 'undone';
    } catch (error) {
      record.state = 'undo-failed';
      record.undoError = (error as Error).message;
      throw error;
    } finally {
      record.stoppedAt = Date.now();
    }
  }

  /** Undoes everything still in place, newest first; reports every undo that failed, not just the first. */
  async rollback(): Promise<string[]> {
    this.closed = true;
    const failures: string[] = [];
    for (const record of [...this.records].reverse()) {
      if (!this.undos.has(record.id)) continue;
      const applying = this.applying.get(record.id);
      if (applying) {
        let timer: NodeJS.Timeout | undefined;
        const settled = await Promise.race([
          applying.then(() => true),
          new Promise<false>((r) => {
            timer = setTimeout(() => r(false), this.applyWaitMs);
          }),
        ]);
        clearTimeout(timer);
        if (!settled)
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
