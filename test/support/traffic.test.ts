import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attemptsPerMember, trafficShifted } from '../../support/checks/traffic.ts';
import type { Operation } from '../../support/load/history.ts';

const op = (target: string, at: number): Operation => ({
  kind: 'k',
  id: `${target}-${at}`,
  invokedAt: at,
  completedAt: at + 1,
  outcome: 'ok',
  attempts: [{ target, outcome: 'ok', startedAt: at, endedAt: at + 1 }],
});
const roundRobin = (members: string[], from: number, count: number) =>
  Array.from({ length: count }, (_, i) => op(members[i % members.length]!, from + i));
const members = ['w1', 'w2', 'w3', 'w4'];

test('attempts are counted per member within a window', () => {
  assert.deepEqual(attemptsPerMember(roundRobin(members, 0, 8), 0, 4), { w1: 1, w2: 1, w3: 1, w4: 1 });
});

test('a member that leaves the rotation once the system reacts has shifted traffic', () => {
  const history = [...roundRobin(members, 0, 40), ...roundRobin(['w2', 'w3', 'w4'], 1_000, 30)];
  const verdict = trafficShifted(history, 'w1', members, 500, 900);
  assert.equal(verdict.pass, true, verdict.message);
  assert.match(verdict.message, /w1 had 25.0% of attempts before .* and 0.0% after/);
});

test('no reaction, or still carrying its share, is a failure; so is a member that was never in rotation', () => {
  const unchanged = [...roundRobin(members, 0, 40), ...roundRobin(members, 1_000, 40)];
  assert.equal(trafficShifted(unchanged, 'w1', members, 500, 900).pass, false);
  assert.match(trafficShifted(unchanged, 'w1', members, 500, undefined).message, /never reacted/);
  const neverIn = roundRobin(['w2', 'w3', 'w4'], 0, 60);
  assert.match(
    trafficShifted(neverIn, 'w1', members, 30, 40).message,
    /was not in rotation before the fault/,
  );
});
