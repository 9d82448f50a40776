import { readFileSync } from 'node:fs';

// Reads a run's Cucumber messages (--format message:<file>) into what the feature-level tests assert on:
// each step's text, status and message, and each attachment by file name — what the report shows.

export interface StepOutcome {
  text: string;
  status: string;
  message?: string;
}

export interface Attachment {
  fileName?: string;
  mediaType: string;
  body: string;
}

export interface RunMessages {
  steps: StepOutcome[];
  attachments: Attachment[];
  attachment(fileName: string): Attachment | undefined;
  json<T>(fileName: string): T;
}

interface Envelope {
  pickle?: { steps: { id: string; text: string }[] };
  testCase?: { testSteps: { id: string; pickleStepId?: string }[] };
  testStepFinished?: { testStepId: string; testStepResult: { status: string; message?: string } };
  attachment?: Attachment;
}

export function readMessages(file: string): RunMessages {
  const envelopes = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Envelope);
  const textOf = new Map<string, string>();
  const pickleStepOf = new Map<string, string>();
  const steps: StepOutcome[] = [];
  const attachments: Attachment[] = [];
  for (const e of envelopes) {
    for (const s of e.pickle?.steps ?? []) textOf.set(s.id, s.text);
    for (const s of e.testCase?.testSteps ?? []) if (s.pickleStepId) pickleStepOf.set(s.id, s.pickleStepId);
    if (e.attachment) attachments.push(e.attachment);
    const finished = e.testStepFinished;
    const pickleStep = finished && pickleStepOf.get(finished.testStepId);
    if (finished && pickleStep)
      steps.push({
        text: textOf.get(pickleStep) ?? '?',
        status: finished.testStepResult.status,
        ...(finished.testStepResult.message ? { message: finished.testStepResult.message } : {}),
      });
  }
  const attachment = (fileName: string) => attachments.find((a) => a.fileName === fileName);
  return {
    steps,
    attachments,
    attachment,
    json<T>(fileName: string): T {
      const found = attachment(fileName);
      if (!found) throw new Error(`no attachment named ${fileName}`);
      return JSON.parse(found.body) as T;
    },
  };
}
