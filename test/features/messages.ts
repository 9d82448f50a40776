import { closeSync, openSync, readSync } from 'node:fs';

// Where a running cucumber process is, read from its message stream (`--format message:<file>`) as it is
// written: which scenario, which step, which hook has started. Read incrementally, because the stream also
// carries every attachment (service logs) and grows to megabytes.

/** A moment of a run: the run itself started, a step of a scenario, or an After hook of a scenario. */
export type Moment =
  | { kind: 'run' }
  | { kind: 'step'; scenario: number; step: number }
  | { kind: 'after'; scenario: number };

export function describeMoment(m: Moment, texts: (scenario: number, step: number) => string): string {
  if (m.kind === 'run') return 'as the run starts (start sweep, support code)';
  if (m.kind === 'after') return `in the rollback of scenario ${m.scenario + 1}`;
  return `in scenario ${m.scenario + 1}, step ${m.step + 1} "${texts(m.scenario, m.step)}"`;
}

interface Envelope {
  testRunStarted?: unknown;
  pickle?: { id: string; steps: { id: string }[] };
  testCase?: { id: string; pickleId: string; testSteps: { id: string; pickleStepId?: string }[] };
  testStepStarted?: { testStepId: string };
}

export class MessageWatch {
  private offset = 0;
  private partial = '';
  private readonly pickles: string[] = [];
  private readonly stepOf = new Map<string, Moment>();
  /** Every moment that has started, in order. */
  readonly started: Moment[] = [];

  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  /** Reads what was appended since the last call. */
  poll(): void {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return; // not created yet
    }
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        this.partial += buffer.toString('utf8', 0, n);
      }
    } finally {
      closeSync(fd);
    }
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line) this.read(JSON.parse(line) as Envelope);
  }

  private read(message: Envelope): void {
    if (message.testRunStarted) this.started.push({ kind: 'run' });
    if (message.pickle) this.pickles.push(message.pickle.id);
    const testCase = message.testCase;
    if (testCase) {
      const scenario = this.pickles.indexOf(testCase.pickleId);
      let step = -1;
      for (const testStep of testCase.testSteps) {
        if (testStep.pickleStepId) step += 1;
        // Hooks after the last pickle step are the After hooks: the rollback.
        const afterSteps = testCase.testSteps.slice(testCase.testSteps.indexOf(testStep));
        const isAfter = !testStep.pickleStepId && !afterSteps.some((s) => s.pickleStepId) && step >= 0;
        if (testStep.pickleStepId) this.stepOf.set(testStep.id, { kind: 'step', scenario, step });
        else if (isAfter) this.stepOf.set(testStep.id, { kind: 'after', scenario });
      }
    }
    const id = message.testStepStarted?.testStepId;
    const moment = id ? this.stepOf.get(id) : undefined;
    if (moment) this.started.push(moment);
  }

  reached(target: Moment): boolean {
    this.poll();
    return this.started.some(
      (m) =>
        m.kind === target.kind &&
        (m.kind === 'run' ||
          (m.scenario === (target as { scenario: number }).scenario &&
            (m.kind === 'after' || m.step === (target as { step: number }).step))),
    );
  }
}
