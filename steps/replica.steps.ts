import { Given, Then, When } from '@cucumber/cucumber';
import { judgeReplicaLag, lagCsv } from '../support/checks/replica-lag.ts';
import { awaitSteadyState } from '../support/checks/steady-state.ts';
import { failover, replicaFailure } from '../support/faults/stores/replica.ts';
import { inRecovery, streamingTo } from '../support/faults/stores/replication.ts';
import { until } from '../support/faults/stores/store.ts';
import { chooseTargets } from '../support/faults/targets.ts';
import { loadSystem } from '../support/system/config.ts';
import {
  lagBound,
  primaryWord,
  replicableWord,
  replicaCountWords,
  replicaIndexWords,
} from '../support/system/replica-words.ts';
import { replicaGroup } from '../support/system/topology.ts';
import { steadyStateWords } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { holdingMs, inject, judge } from './judge.ts';

// Steps on a Postgres primary and its streaming replicas: start them, fail a replica, fail over to one, and
// judge the replica lag. Words are the user's: the primary's name, "replicas", a count or an index.

const STREAMING_MS = 30_000;

Given(
  'a healthy {word} with {int} registered {word} and {int} {word} replica(s)',
  { timeout: 120_000 },
  async function (
    this: FaultlineWorld,
    coordinatorWord: string,
    count: number,
    groupText: string,
    replicas: number,
    primaryText: string,
  ) {
    const declared = (await loadSystem({}, { system: this.parameters?.system })).system.topology;
    const { coordinator, group, scale } = steadyStateWords(declared, coordinatorWord, count, groupText);
    const primary = replicableWord(declared, primaryText);
    if (!Number.isInteger(replicas) || replicas < 1)
      throw new Error(`cannot start ${replicas} ${primary} replicas: write 1 or more`);
    await this.up({ ...scale, [replicaGroup(primary)]: replicas });
    const evidence = await awaitSteadyState(this.env, this.system, coordinator, group, count);
    const { replicas: names } = primaryWord(this.env.topology, primary);
    const streaming = await until(
      async () => (await streamingTo(this.env, primary)).length === names.length,
      STREAMING_MS,
      100,
    );
    const now = await streamingTo(this.env, primary);
    if (!streaming)
      throw new Error(
        `steady state not reached: ${primary} streams to ${now.join(', ') || 'no replica'} of ${names.join(', ')} after ${STREAMING_MS / 1000} s`,
      );
    evidence.push(`${primary} streams WAL to ${now.join(', ')}`);
    this.attach(evidence.join('\n'), { mediaType: 'text/plain', fileName: 'steady-state.txt' });
  },
);

When(
  /^(\d+) of the (\S+) replicas fails?(?: for (.+))?$/,
  { timeout: 90_000 },
  async function (this: FaultlineWorld, count: string, primaryText: string, lasting?: string) {
    const { group, replicas } = replicaCountWords(this.env.topology, Number(count), primaryText);
    const durationMs = holdingMs(this, lasting);
    const chosen = chooseTargets(
      this,
      { phrase: `${count} of the ${primaryText} replicas`, group, members: replicas, count: Number(count) },
      'replica-failure',
    );
    for (const replica of chosen) await inject(this, replicaFailure(this.env, replica, durationMs));
  },
);

When(
  /^the (\S+) replica (\d+) fails(?: for (.+))?$/,
  { timeout: 90_000 },
  async function (this: FaultlineWorld, primaryText: string, index: string, lasting?: string) {
    const replica = replicaIndexWords(this.env.topology, primaryText, Number(index));
    const durationMs = holdingMs(this, lasting);
    await inject(this, replicaFailure(this.env, replica, durationMs));
  },
);

When(
  /^the (\S+) primary is killed and a replica is promoted(?: for (.+))?$/,
  { timeout: 120_000 },
  async function (this: FaultlineWorld, primaryText: string, lasting?: string) {
    const { primary, replicas } = primaryWord(this.env.topology, primaryText);
    const durationMs = holdingMs(this, lasting);
    // A standby that is up is promoted: one another fault holds down cannot take over.
    const standbys: string[] = [];
    for (const r of replicas)
      if (this.env.control(r).alive() && (await inRecovery(this.env, r).catch(() => false))) standbys.push(r);
    if (standbys.length === 0)
      throw new Error(
        `no replica of ${primary} can be promoted: none of ${replicas.join(', ')} is a running standby`,
      );
    const [replica] = chooseTargets(
      this,
      { phrase: `a ${primary} replica`, group: replicaGroup(primary), members: standbys, count: 1 },
      'failover',
    );
    await inject(this, failover(this.env, primary, replica!, durationMs));
  },
);

Then(
  /^the replica lag of the (\S+) replicas is back under (.+) within (.+)$/,
  { timeout: 180_000 },
  async function (this: FaultlineWorld, primaryText: string, boundText: string, within: string) {
    const { primary, replicas } = primaryWord(this.env.topology, primaryText);
    const bound = lagBound(boundText);
    const withinMs = this.duration(within);
    const { verdict, samples } = await judgeReplicaLag(
      this.env,
      this.faults.records,
      primary,
      replicas,
      bound,
      withinMs,
    );
    this.attach(lagCsv(samples), { mediaType: 'text/csv', fileName: 'replica-lag.csv' });
    judge(this, verdict);
  },
);
