import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ToxiproxyClient } from '../../support/proxy/client.ts';
import { strike } from '../features/interrupted.ts';
import {
  listeningPortsOf,
  processesOf,
  processesOfRun,
  stillAlive,
  stillListening,
  until,
} from '../features/residue.ts';
import { type GameDayUnderTest, ready, startGameDay } from '../helpers/gameday.ts';

// The game day end to end on the local backend, as a person at two terminals drives it: `faultline up` on
// the counter fixture, faults applied by their step text while the system serves requests, undone by id and
// all at once, refused when the text or its words are wrong (nothing applied), and taken down — by
// `faultline down`, and by Ctrl-C with a fault still in place (against an external fault proxy, which
// outlives the game day, so a toxic left behind would be seen). Each time nothing is left: no process, no
// listening port, no temp dir, no state file, no proxy or toxic.
//
// The first test takes ≈ 30 s (≈ 40 s on a loaded machine) on purpose: it drives some 30 short commands,
// each a Node start, against one game day — one topology brought up for all of them, not one per check.

const work = mkdtempSync(join(tmpdir(), 'gameday-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface State {
  proxy: string;
  services: { name: string; address: string }[];
  links: { from: string; to: string; proxy: string; address: string }[];
}

const stateOf = (g: GameDayUnderTest) => JSON.parse(readFileSync(g.state, 'utf8')) as State;

/** Requests to the counter's api, so the system's own traffic crosses the link a fault holds. */
async function hits(state: State, n: number): Promise<void> {
  const api = state.services.find((s) => s.name === 'api')!.address;
  for (let i = 0; i < n; i++)
    await fetch(`http://${api}/hits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: `gameday-${i}` }),
      signal: AbortSignal.timeout(3_000),
    }).then(
      (r) => r.text(),
      () => undefined,
    );
}

const toxicsOf = async (state: State) =>
  (await new ToxiproxyClient(state.proxy).proxies()).flatMap((p) =>
    p.toxics.map((t) => `${p.name}:${t.type}`),
  );

test('up, fault, undo, refused input, status, down: every fault proven and undone, nothing left behind', {
  timeout: 120_000,
}, async (t) => {
  const gameDay = await startGameDay(work, 'down');
  t.after(() => gameDay.child.kill('SIGKILL'));
  const printed = await ready(gameDay);
  // Every service's own address, every link's proxy listener and the proxy API are printed.
  const state = stateOf(gameDay);
  for (const s of state.services) assert.match(printed, new RegExp(`${s.name} .*${s.address}`));
  for (const l of state.links) assert.ok(printed.includes(`${l.address}  (proxy ${l.proxy})`), printed);
  assert.ok(printed.includes(`fault proxy API: ${state.proxy}`), printed);
  const processes = processesOfRun(gameDay.child.pid!, gameDay.marker);
  const pids = processes.map((p) => p.pid);
  const ports = listeningPortsOf(pids);
  assert.ok(pids.length >= 4, `too little was running to prove anything: ${pids.join(', ')}`);

  // A latency on the link the api uses: applied, proven, the toxic in the proxy; undone by its id.
  const slowed = await gameDay.cli(['fault', 'the link from api to redis is slowed by 300ms']);
  assert.equal(slowed.code, 0, slowed.stderr);
  assert.match(
    slowed.stdout,
    /^#1 latency 300 ms on the link from api to redis \[active; holds until undone\]/,
  );
  assert.match(slowed.stdout, /redis probe answered in \d+ ms before, \d{3} ms after/);
  assert.deepEqual(await toxicsOf(state), ['api-to-redis:latency']);
  await hits(state, 3);
  const undone = await gameDay.cli(['undo', '1']);
  assert.equal(undone.code, 0, undone.stderr);
  assert.match(undone.stdout, /#1 .* \[undone\]/);
  assert.match(undone.stdout, /traffic: the system's traffic crossed the faulted link while it held/);
  assert.deepEqual(await toxicsOf(state), []);

  // Refused input: the error names the text (and what exists or is close); nothing is applied.
  const refusals: [string[], RegExp][] = [
    [
      ['fault', 'the api explodes'],
      /'the api explodes' is not a step of the vocabulary: nothing was applied; closest fault steps:\n {2}\S/,
    ],
    [
      ['fault', 'the link from api to kafka is slowed by 300ms'],
      /'kafka' is not a service of the system 'counter'; its services: redis, sessions, api/,
    ],
    [['fault', 'the link from api to redis has 150% packet loss'], /150% packet loss.*between 0% and 100%/],
    [
      ['fault', 'the error rate is below 1%'],
      /'the error rate is below 1%' is a verdict step, not a fault: nothing was applied/,
    ],
    [['fault', 'the system is running'], /is a steady state step, not a fault/],
    [
      ['undo', '9'],
      /there is no fault #9 in this game day; faults: #1 latency 300 ms on the link from api to redis \(undone\)/,
    ],
  ];
  for (const [args, message] of refusals) {
    const r = await gameDay.cli(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(await toxicsOf(state), [], 'a refused fault applied something');
  // Usage errors: exit 2 with the command's usage.
  for (const args of [
    ['fault'],
    ['undo'],
    ['undo', '1', '--all'],
    ['down', '--timeout', 'soon'],
    ['fault', '--al', 'x'],
  ]) {
    const r = await gameDay.cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`faultline ${args[0]}: .*\\n\\nusage: faultline ${args[0]}`));
  }
  // A second `up` for the same state file is refused while the first runs.
  const second = await gameDay.cli(['up']);
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, /a game day is already up here \(pid \d+, system counter/);

  // A fault on a service (every link into redis black-holed), undone by its step text (as an exported
  // Chaos Toolkit experiment rolls back: a second time there is nothing left to undo), then that fault again
  // and a paused process, both undone by --all.
  const byText = await gameDay.cli(['fault', 'redis is unreachable']);
  assert.equal(byText.code, 0, byText.stderr);
  const textUndone = await gameDay.cli(['undo', 'redis is unreachable']);
  assert.equal(textUndone.code, 0, textUndone.stderr);
  assert.match(textUndone.stdout, /^#2 black hole on every link into redis \[undone\]/);
  const again = await gameDay.cli(['undo', 'redis is unreachable']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^no fault was in place/);
  const typo = await gameDay.cli(['undo', 'redis is unreachabel']);
  assert.equal(typo.code, 1, typo.stdout);
  assert.match(typo.stderr, /'redis is unreachabel' is not a step of the vocabulary/);
  const cut = await gameDay.cli(['fault', 'When redis is unreachable']);
  assert.equal(cut.code, 0, cut.stderr);
  assert.match(cut.stdout, /^#3 black hole on every link into redis/);
  const paused = await gameDay.cli(['fault', 'api is paused for 30 seconds']);
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(
    paused.stdout,
    /^#4 api paused \[active; heals by itself 30 s after it took effect\]\n.*stopped \(process state T\)/,
  );
  // The hypothesis an exported experiment checks: not met while redis is cut off.
  const deviated = await gameDay.cli(['status', '--steady-state']);
  assert.equal(deviated.code, 1, deviated.stdout);
  assert.match(
    deviated.stdout,
    /steady state: NOT met: .*api → redis through api-to-redis does not answer a redis probe/,
  );
  const status = await gameDay.cli(['status']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /#3 black hole on every link into redis \[active/);
  const all = await gameDay.cli(['undo', '--all']);
  assert.equal(all.code, 0, all.stderr);
  assert.match(
    all.stdout,
    /#4 api paused \[undone\][\s\S]*#3 black hole on every link into redis \[undone\]/,
  );
  assert.deepEqual(await toxicsOf(state), []);
  const steady = await gameDay.cli(['status', '--steady-state']);
  assert.equal(steady.code, 0, steady.stdout + steady.stderr);
  assert.match(
    steady.stdout,
    /steady state: met\n {2}api → redis through api-to-redis: redis probe answered/,
  );

  // Down: rolled back, verified clean, everything stopped; `up` exits 0.
  const down = await gameDay.cli(['down']);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  assert.match(down.stdout, /rolled back and verified clean/);
  assert.match(down.stdout, /the game day \(pid \d+\) has stopped/);
  const result = await gameDay.done;
  assert.equal(result.code, 0, result.output);
  const left = () => [...new Set([...stillAlive(processes), ...processesOf(gameDay.marker)])];
  assert.ok(await until(() => left().length === 0, 5_000), `processes left behind: ${left().join(', ')}`);
  assert.deepEqual(stillListening(ports, pids, gameDay.marker), []);
  assert.deepEqual(readdirSync(gameDay.tmp), [], 'temp dirs left behind');
  assert.equal(existsSync(gameDay.state), false, 'the state file was left behind');
  // Nothing is up any more: the short commands say so, naming the state file they looked at.
  const none = await gameDay.cli(['fault', 'redis is unreachable']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no game day is up here \(no state file .*down\.state\.json\)/);
});

test('Ctrl-C on `up` with a fault still in place: rolled back, nothing left, not even in an external proxy', {
  timeout: 120_000,
}, async (t) => {
  const gameDay = await startGameDay(work, 'sigint', { externalProxy: true });
  t.after(async () => {
    gameDay.child.kill('SIGKILL');
    await gameDay.proxy?.close();
  });
  await ready(gameDay);
  const state = stateOf(gameDay);
  const cut = await gameDay.cli(['fault', 'the network between api and redis is partitioned']);
  assert.equal(cut.code, 0, cut.stderr);
  assert.deepEqual(await toxicsOf(state), ['api-to-redis:timeout', 'api-to-redis:timeout']);
  // strike: SIGINT, a non-zero exit, then no process, port, temp dir, proxy or toxic left.
  const summary = await strike(gameDay, 'SIGINT', 'with a partition held');
  t.diagnostic(summary);
  const result = await gameDay.done;
  assert.equal(result.code, 130, result.output);
  assert.match(result.output, /faultline up: SIGINT: rolling the faults back and stopping everything/);
  assert.equal(existsSync(gameDay.state), false, 'the state file was left behind');
});

test('bad input to `up`: an unknown backend, a step that is not a steady state', {
  timeout: 60_000,
}, async () => {
  const gameDay = await startGameDay(work, 'bad', { args: ['--backend', 'kubernetes-nope'] });
  const result = await gameDay.done;
  assert.equal(result.code, 2, result.output);
  assert.match(
    result.output,
    /--backend kubernetes-nope: FAULTLINE_BACKEND=kubernetes-nope is not a backend; accepted: local, containers/,
  );
  const wrong = await startGameDay(work, 'bad-given', { args: ['--given', 'redis is unreachable'] });
  const refused = await wrong.done;
  assert.equal(refused.code, 1, refused.output);
  assert.match(
    refused.output,
    /'redis is unreachable' is not a steady-state step; accepted: .*the system is running;/,
  );
  assert.deepEqual(readdirSync(wrong.tmp), [], 'a refused up left a temp dir');
});
