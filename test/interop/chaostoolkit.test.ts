import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { ToxiproxyClient } from '../../support/proxy/client.ts';
import { type RunningProxyServer, startProxyServer } from '../../support/proxy/server.ts';
import { chaosToolkitJournal } from '../../support/report/chaostoolkit-journal.ts';
import { buildJournal } from '../../support/report/journal.ts';
import { ROOT } from '../features/cucumber-run.ts';
import {
  CHAOS,
  findChaosToolkit,
  missingPythonModules,
  python,
  VALIDATE_ALL,
} from '../helpers/chaostoolkit.ts';
import { COUNTER, FAULTLINE, ready, startGameDay } from '../helpers/gameday.ts';

// Interoperability with the real Chaos Toolkit (vendored source, Debian's Python): every scenario of the
// repository's features exported as an experiment passes `chaos validate` — which also imports each
// chaostoxi action and checks its arguments against the function — and the counter's exported partition
// experiment, run by `chaos run` against a game day `faultline up` started, completes without deviating
// while faultline's fault proxy itself logs the toxics being added and removed (counted from the proxy's
// own request log, not from what Chaos Toolkit says it did).

const work = mkdtempSync(join(tmpdir(), 'chaostoolkit-test-'));
after(() => rmSync(work, { recursive: true, force: true }));
let vendor = '';

before(async () => {
  vendor = findChaosToolkit();
  const missing = await missingPythonModules(vendor);
  if (missing) throw new Error(missing);
});

/** `faultline export chaostoolkit …` with experiments that run this checkout's faultline. */
function exportExperiments(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      [FAULTLINE, 'export', 'chaostoolkit', ...args, '--command', `${process.execPath} ${FAULTLINE}`],
      { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

test('every scenario of the features exports to an experiment `chaos validate` accepts', {
  timeout: 120_000,
}, async () => {
  const out = join(work, 'features');
  const exported = await exportExperiments(['features', '--out', out]);
  assert.equal(exported.code, 0, exported.stderr);
  const files = readdirSync(out).map((f) => join(out, f));
  const scenarios = exported.stdout.trim().split('\n');
  assert.equal(files.length, scenarios.length, exported.stdout);
  assert.ok(files.length >= 30, `only ${files.length} experiments exported`);
  // What no experiment can carry is reported per step, never silently dropped.
  assert.match(
    exported.stderr,
    /not exported: features\/\S+:\d+ When \d+ concurrent clients .* — load is faultline/,
  );
  assert.match(
    exported.stderr,
    /not exported: features\/\S+:\d+ Then .* — a verdict is judged from faultline/,
  );
  const validated = await python(vendor, ['-c', VALIDATE_ALL, ...files], { cwd: work });
  const verdicts = validated.stdout.trim().split('\n');
  assert.equal(validated.code, 0, `${validated.stdout}\n${validated.stderr.slice(-3000)}`);
  assert.equal(verdicts.filter((l) => l.startsWith('VALID ')).length, files.length, validated.stdout);
  // The validator is not a rubber stamp: a broken chaostoxi argument is refused.
  const broken = JSON.parse(
    readFileSync(files.find((f) => readFileSync(f, 'utf8').includes('chaostoxi'))!, 'utf8'),
  );
  const action = broken.method.find(
    (a: { provider: { module?: string } }) => a.provider.module === 'chaostoxi.toxic.actions',
  );
  action.provider.arguments.proxy_name = action.provider.arguments.for_proxy;
  delete action.provider.arguments.for_proxy;
  writeFileSync(join(work, 'broken.json'), JSON.stringify(broken));
  const refused = await python(vendor, ['-c', VALIDATE_ALL, join(work, 'broken.json')], { cwd: work });
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stdout, /^INVALID /);
});

test('`chaos run` of the exported partition against `faultline up`: completed, the proxy saw the toxics come and go', {
  timeout: 120_000,
}, async (t) => {
  // faultline's own fault proxy, outside the game day so the test reads its request log.
  const requests: { method: string; path: string; status: number }[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { msg?: string; method?: string; path?: string; status?: number };
        if (entry.msg === 'api request')
          requests.push({ method: entry.method!, path: entry.path!, status: entry.status! });
      },
    },
  );
  const proxy: RunningProxyServer = await startProxyServer({ host: '127.0.0.1', port: 0, seed: 7, logger });
  t.after(() => proxy.close());
  const gameDay = await startGameDay(work, 'ctk', { proxyUrl: proxy.url });
  t.after(() => gameDay.child.kill('SIGKILL'));
  await ready(gameDay);

  const out = join(work, 'counter');
  const exported = await exportExperiments(
    ['fixtures/counter/features/counter.feature', '--out', out],
    COUNTER,
  );
  assert.equal(exported.code, 0, exported.stderr);
  const file = readdirSync(out).find((f) => f.includes('redis-is-cut-off'));
  assert.ok(file, `no partition experiment among ${readdirSync(out).join(', ')}`);
  const experiment = JSON.parse(readFileSync(join(out, file), 'utf8'));
  assert.deepEqual(
    experiment.method.map((a: { provider: { func?: string; arguments: { stream?: string } } }) =>
      `${a.provider.func} ${a.provider.arguments.stream ?? ''}`.trim(),
    ),
    ['create_toxic upstream', 'create_toxic downstream', 'delete_toxic', 'delete_toxic'],
  );

  const port = new URL(proxy.url).port;
  const before = requests.length;
  const run = await python(
    vendor,
    [
      '-c',
      CHAOS,
      '--no-log-file',
      '--settings',
      '/dev/null',
      'run',
      '--journal-path',
      join(work, 'journal.json'),
      join(out, file),
    ],
    {
      cwd: work,
      env: {
        FAULTLINE_PROXY_HOST: '127.0.0.1',
        FAULTLINE_PROXY_PORT: port,
        FAULTLINE_GAMEDAY_STATE: gameDay.state,
      },
    },
  );
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const journal = JSON.parse(readFileSync(join(work, 'journal.json'), 'utf8'));
  assert.equal(journal.status, 'completed', run.stderr);
  assert.equal(journal.deviated, false);
  assert.equal(journal.steady_states.before.steady_state_met, true);
  assert.equal(journal.steady_states.after.steady_state_met, true);

  // Counted from the proxy: two toxics (both streams of api → redis) added, the same two removed.
  const during = requests.slice(before);
  const added = during.filter(
    (r) => r.method === 'POST' && /^\/proxies\/api-to-redis\/toxics$/.test(r.path) && r.status === 200,
  );
  const removed = during.filter(
    (r) =>
      r.method === 'DELETE' &&
      /^\/proxies\/api-to-redis\/toxics\/faultline-partition-1-(up|down)$/.test(r.path) &&
      r.status === 204,
  );
  assert.equal(added.length, 2, JSON.stringify(during));
  assert.equal(removed.length, 2, JSON.stringify(during));
  assert.deepEqual(
    (await new ToxiproxyClient(proxy.url).proxies()).flatMap((p) => p.toxics),
    [],
  );

  // faultline's run journal speaks the same shape: every key chaoslib wrote, at every level that tools read.
  const ours = chaosToolkitJournal(
    buildJournal(
      [
        {
          feature: 'f',
          uri: 'features/x.feature',
          family: 'x',
          name: 'x',
          tags: [],
          status: 'passed',
          startedAt: journal.start,
          endedAt: journal.end,
          steadyStateBefore: { met: true, evidence: [] },
          steadyStateAfter: { clean: true, problems: [] },
          faults: [
            {
              id: 1,
              kind: 'partition',
              description: 'p',
              targets: ['redis'],
              state: 'undone',
              startedAt: journal.start,
              stoppedAt: journal.end,
              undo: 'undone',
              evidence: [],
            },
          ],
          phases: [],
          verdicts: [{ check: 'c', pass: true, message: 'm', figures: {} }],
          operations: null,
          seed: 1,
          backend: 'local',
          topology: null,
        },
      ],
      { startedAt: journal.start, endedAt: journal.end, success: true, environment: {} },
    ).scenarios[0]!,
    {},
  );
  const keys = (o: object) => Object.keys(o).sort();
  for (const key of keys(journal)) assert.ok(key in ours, `faultline's Chaos Toolkit journal lacks '${key}'`);
  assert.deepEqual(keys(ours.steady_states), keys(journal.steady_states));
  assert.deepEqual(keys(ours.steady_states.before!), keys(journal.steady_states.before));
  const runKeys = keys(journal.run[0]);
  assert.deepEqual(
    keys(ours.run[0]!).filter((k) => runKeys.includes(k)),
    runKeys,
  );
  assert.deepEqual(
    keys(ours.rollbacks[0]!).filter((k) => runKeys.includes(k)),
    runKeys,
  );
  assert.deepEqual(
    keys(ours.steady_states.before!.probes[0]!).filter((k) => runKeys.includes(k)),
    runKeys,
  );

  const down = await gameDay.cli(['down']);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  t.diagnostic(`chaos run: ${journal.duration.toFixed(1)} s; proxy requests during it: ${during.length}`);
});
