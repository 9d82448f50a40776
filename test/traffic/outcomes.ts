import { readFileSync } from 'node:fs';

// What a cucumber run's message stream says per scenario: its failure messages and its attachments by file
// name (the fault timeline among them). Shared by the traffic-proof tests.

interface Envelope {
  pickle?: { id: string; name: string };
  testCase?: { id: string; pickleId: string };
  testCaseStarted?: { id: string; testCaseId: string };
  testStepFinished?: {
    testCaseStartedId: string;
    testStepResult: { status: string; message?: string };
  };
  attachment?: { testCaseStartedId?: string; fileName?: string; body: string };
}

/** Per scenario name: its failure messages and its attachments by file name. */
export function outcomes(file: string) {
  const envelopes = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Envelope);
  const pickleName = new Map<string, string>();
  const caseScenario = new Map<string, string>();
  const startedScenario = new Map<string, string>();
  const byScenario = new Map<string, { failures: string[]; files: Map<string, string> }>();
  const of = (startedId: string | undefined) => {
    const name = startedScenario.get(startedId ?? '') ?? '?';
    const entry = byScenario.get(name) ?? { failures: [], files: new Map<string, string>() };
    byScenario.set(name, entry);
    return entry;
  };
  for (const e of envelopes) {
    if (e.pickle) pickleName.set(e.pickle.id, e.pickle.name);
    if (e.testCase) caseScenario.set(e.testCase.id, pickleName.get(e.testCase.pickleId) ?? '?');
    if (e.testCaseStarted)
      startedScenario.set(e.testCaseStarted.id, caseScenario.get(e.testCaseStarted.testCaseId) ?? '?');
    const finished = e.testStepFinished;
    if (finished && finished.testStepResult.status !== 'PASSED')
      of(finished.testCaseStartedId).failures.push(
        `${finished.testStepResult.status}: ${finished.testStepResult.message ?? ''}`,
      );
    if (e.attachment?.fileName)
      of(e.attachment.testCaseStartedId).files.set(e.attachment.fileName, e.attachment.body);
  }
  return byScenario;
}
