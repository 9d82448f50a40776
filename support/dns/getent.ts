import { spawn } from 'node:child_process';
import type { LookupResult } from './control.ts';

// A lookup as a service's own programs make it: getent (glibc's getaddrinfo, the service's nsswitch and
// resolv.conf), run inside the service's namespaces. `ahostsv4`: one A query, the record faultline answers.

/** Runs `argv` (which ends in `getent ahostsv4 <name>`) and reads its answer. */
export function getent(argv: string[], timeoutMs = 8_000): Promise<LookupResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = (code: number | null, error?: string) => {
      clearTimeout(timer);
      resolve(readGetent(code, error ?? out, Math.round(performance.now() - started)));
    };
    child.once('error', (error) => done(null, error.message));
    child.once('close', (code) => done(code));
  });
}

/** getent's exit code and output as a lookup result (2: the name was not found or the lookup failed). */
export function readGetent(code: number | null, output: string, ms: number): LookupResult {
  const addresses = [
    ...new Set(
      output
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0] ?? '')
        .filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)),
    ),
  ];
  if (code === 0 && addresses.length > 0)
    return { ok: true, addresses, detail: `resolved to ${addresses.join(', ')} in ${ms} ms`, ms };
  const why =
    code === 2
      ? 'not resolved'
      : code === null
        ? `no result (${output.trim() || 'killed after the timeout'})`
        : `getent exited ${code}${output.trim() ? `: ${output.trim()}` : ''}`;
  return { ok: false, addresses: [], detail: `${why} after ${ms} ms`, ms };
}
