import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CUCUMBER = `${ROOT}node_modules/@cucumber/cucumber/bin/cucumber.js`;

export interface CucumberRun {
  child: ChildProcess;
  output: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

/** Runs cucumber-js on the real features as a user would, in its own process. */
export function runCucumber(args: string[], env: NodeJS.ProcessEnv = {}): CucumberRun {
  let output = '';
  const child = spawn(process.execPath, [CUCUMBER, '--format', 'summary', '--format', 'progress', ...args], {
    cwd: ROOT,
    // The local backend unless a test names another: these tests watch local processes and temp dirs.
    env: { ...process.env, FAULTLINE_BACKEND: 'local', ...env, FORCE_COLOR: '0' },
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
      child.once('exit', (code, signal) => resolve({ code, signal, output }));
    },
  );
  return { child, output: () => output, done };
}
