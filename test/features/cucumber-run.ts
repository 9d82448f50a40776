import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CUCUMBER = `${ROOT}node_modules/@cucumber/cucumber/bin/cucumber.js`;

export interface CucumberRun {
  child: ChildProcess;
  output: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

/**
 * Runs cucumber-js on the real features as a user would, in its own process. Its reports go to a temp dir
 * removed after the run (or to FAULTLINE_REPORTS_DIR when the test names one): cucumber.js writes to
 * reports/ by default, and a test must never replace the developer's last run there.
 */
export function runCucumber(args: string[], env: NodeJS.ProcessEnv = {}): CucumberRun {
  let output = '';
  const ownReports =
    env.FAULTLINE_REPORTS_DIR === undefined
      ? mkdtempSync(join(tmpdir(), 'faultline-test-reports-'))
      : undefined;
  const child = spawn(process.execPath, [CUCUMBER, '--format', 'summary', '--format', 'progress', ...args], {
    cwd: ROOT,
    // The local backend unless a test names another: these tests watch local processes and temp dirs.
    env: {
      ...process.env,
      FAULTLINE_BACKEND: 'local',
      ...(ownReports === undefined ? {} : { FAULTLINE_REPORTS_DIR: ownReports }),
      ...env,
      FORCE_COLOR: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>(
    (resolve) => {
      child.once('exit', (code, signal) => {
        if (ownReports !== undefined) rmSync(ownReports, { recursive: true, force: true });
        resolve({ code, signal, output });
      });
    },
  );
  return { child, output: () => output, done };
}
