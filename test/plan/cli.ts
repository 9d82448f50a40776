import assert from 'node:assert/strict';
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

/**
 * Plans a feature that must be refused (exit 1) and returns `at(line, message)`, which asserts that the plan
 * rejected the step at that file:line with a message matching the pattern.
 */
export async function planRejecting(file: string): Promise<(line: number, message: RegExp) => void> {
  const { code, stdout } = await faultline(['plan', file]);
  assert.equal(code, 1, stdout);
  const problems = stdout.slice(stdout.indexOf('problem(s):'));
  return (line, message) =>
    assert.match(problems, new RegExp(`${file}:${line}: rejected step .*${message.source}`), problems);
}
