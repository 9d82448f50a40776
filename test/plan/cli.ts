import { spawn } from 'node:child_process';
import { ROOT } from '../features/cucumber-run.ts';

/** Runs a program in its own process (from the project directory unless told) and collects its output. */
export function runProgram(
  program: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `faultline <args>` as a user would, in its own process, from the project directory. */
export const faultline = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runProgram(process.execPath, [`${ROOT}bin/faultline.ts`, ...args], { env });
