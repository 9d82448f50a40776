// `faultline proxy` as a child process: the "listening" line, flags and their errors, the dispatcher's
// usage, --config and --metrics, graceful shutdown on signals and on the parent's lifeline.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ApiClient, freePort, onCleanup, portOf, tryConnect } from './helpers.ts';

const bin = fileURLToPath(new URL('../../bin/faultline.ts', import.meta.url));

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (data: Buffer) => {
    stdout += data;
  });
  child.stderr!.on('data', (data: Buffer) => {
    stderr += data;
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function listening(proxy: Run): Promise<{ host: string; port: number }> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const line of proxy.stdout().split('\n')) {
      if (!line.includes('"msg":"listening"')) continue;
      const record = JSON.parse(line) as { host: string; port: number };
      return record;
    }
    if (proxy.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no listening line; stdout: ${proxy.stdout()} stderr: ${proxy.stderr()}`);
}

// Each test runs its own child process, so they run side by side.
describe('faultline proxy', { concurrency: true }, () => {
  test('--port 0 logs a JSON "listening" line with numeric host/port, serves the API, exits 0 on SIGTERM', async () => {
    const proxy = run(['proxy', '--host', '127.0.0.1', '--port', '0', '--seed', '5']);
    const { host, port } = await listening(proxy);
    assert.equal(host, '127.0.0.1');
    assert.equal(typeof port, 'number');
    assert.ok(port > 0);
    const api = new ApiClient(`http://127.0.0.1:${port}`);
    assert.equal((await api.get('/version')).status, 200);
    const created = await api.createProxy('p', '127.0.0.1:1');
    proxy.child.kill('SIGTERM');
    assert.equal(await proxy.exit, 0);
    assert.equal(await tryConnect(portOf(created.listen)), 'ECONNREFUSED');
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
  });

  test('SIGINT also shuts down cleanly with exit code 0', async () => {
    const proxy = run(['proxy', '--port', '0']);
    await listening(proxy);
    proxy.child.kill('SIGINT');
    assert.equal(await proxy.exit, 0);
  });

  test('with FAULTLINE_LIFELINE=1 it exits when its parent closes stdin', async () => {
    const proxy = run(['proxy', '--port', '0'], { FAULTLINE_LIFELINE: '1' });
    await listening(proxy);
    proxy.child.stdin!.end();
    assert.equal(await proxy.exit, 0);
  });

  test('--config populates proxies at start-up; --metrics serves /metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-proxy-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const listenPort = await freePort();
    const config = join(dir, 'proxies.json');
    await writeFile(
      config,
      JSON.stringify([{ name: 'db', listen: `127.0.0.1:${listenPort}`, upstream: '127.0.0.1:1' }]),
    );
    const proxy = run(['proxy', '--port', '0', '--config', config, '--metrics']);
    const { port } = await listening(proxy);
    const api = new ApiClient(`http://127.0.0.1:${port}`);
    const db = await api.get<{ listen: string; enabled: boolean }>('/proxies/db');
    assert.equal(db.body.listen, `127.0.0.1:${listenPort}`);
    assert.equal(db.body.enabled, true);
    assert.equal((await api.get('/metrics')).status, 200);
    proxy.child.kill('SIGTERM');
    assert.equal(await proxy.exit, 0);
  });

  for (const [args, pattern] of [
    [['--port', 'abc'], /--port "abc" is not valid: use an integer from 0 to 65535/],
    [['--port', '70000'], /--port "70000" is not valid/],
    [['--seed', '-1'], /Option '--seed' argument is ambiguous/],
    [['--seed=-1'], /--seed "-1" is not valid: use an integer from 0 to 4294967295/],
    [
      ['--bogus'],
      /Unknown option '--bogus'[\s\S]*accepted: --host, --port, --seed, --config, --metrics, --version, --help/,
    ],
    [['--port'], /argument missing[\s\S]*accepted:/],
  ] as const) {
    test(`bad flags ${args.join(' ')} → exit 2 with a message naming the flag`, async () => {
      const proxy = run(['proxy', ...args]);
      assert.equal(await proxy.exit, 2);
      assert.match(proxy.stderr(), pattern);
      assert.match(proxy.stderr(), /usage: faultline proxy/);
    });
  }
});

describe('faultline proxy --version', () => {
  test('prints the Toxiproxy API version, exit 0', async () => {
    const cli = run(['proxy', '--version']);
    assert.equal(await cli.exit, 0);
    assert.equal(cli.stdout(), 'toxiproxy-server version 2.12.0 (faultline embedded fault proxy)\n');
  });
});

describe('faultline dispatcher', () => {
  test('no command → usage listing the commands, exit 2', async () => {
    const cli = run([]);
    assert.equal(await cli.exit, 2);
    assert.match(cli.stderr(), /usage: faultline <command>[\s\S]*commands:[\s\S]*proxy/);
  });

  test('unknown command → names it, usage, exit 2', async () => {
    const cli = run(['frobnicate']);
    assert.equal(await cli.exit, 2);
    assert.match(cli.stderr(), /unknown command "frobnicate"[\s\S]*proxy/);
  });

  test('--help → usage on stdout, exit 0', async () => {
    const cli = run(['--help']);
    assert.equal(await cli.exit, 0);
    assert.match(cli.stdout(), /commands:[\s\S]*proxy/);
  });
});
