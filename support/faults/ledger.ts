// Every fault is written into the scenario's ledger together with its undo *before* it is applied, so a
// step that throws half-way, a timeout or Ctrl-C still finds something to roll back. Start and stop are
// time-stamped: checks split the history into phases by them.

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

  async inject(spec: FaultSpec): Promise<FaultRecord> {
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
    record.evidence = await spec.apply();
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
    const failures: string[] = [];
    for (const record of [...this.records].reverse()) {
      if (!this.undos.has(record.id)) continue;
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
