import { Then, When } from '@cucumber/cucumber';
import { accountFor, auditKeptUp } from '../support/checks/audited.ts';
import { auditFlood, caused } from '../support/faults/security/audit-flood.ts';
import { auditedEvent, parseFloodDuration, parseRate } from '../support/faults/security/audited-words.ts';
import { credentialsOf } from '../support/faults/security/credentials.ts';
import {
  commandDenied,
  parseCommand,
  parsePrivileges,
  privilegeRevoked,
} from '../support/faults/security/permission.ts';
import { credentialChanged } from '../support/faults/security/rotation.ts';
import { storeWord } from '../support/faults/stores/store.ts';
import { parseDuration, StepInputError } from '../support/parse.ts';
import { requireAdapter } from '../support/system/system.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { attachFault, attachFloodMemory, holdingMs, inject, judge } from './judge.ts';
import { storeEventWithin } from './store-events.ts';

// Security faults on the stores the system uses, through the user the system declares it connects as
// (`credentials` of its declaration): its password rotated (the system told the way it declares) or changed
// behind its back, a privilege taken from it. Words first (a store of the right kind, a declared user), then
// a FaultSpec to the ledger. `for {duration}` heals by itself; otherwise the fault holds until rollback.

When(/^the (\S+) password is rotated$/, async function (this: FaultlineWorld, word: string) {
  const name = storeWord(this.env.topology, word, 'store');
  const credentials = credentialsOf(this.system, name, `"the ${word} password is rotated"`);
  const random = this.random(`rotate ${name}`);
  // Held until rollback, which puts the old secret back: the rest of the scenario runs on the new one.
  await inject(this, credentialChanged(this.env, name, credentials, { tell: true, random }));
});

When(
  /^the (\S+) password changes without the system being told(?: for (.+))?$/,
  async function (this: FaultlineWorld, word: string, holding?: string) {
    const name = storeWord(this.env.topology, word, 'store');
    const durationMs = holdingMs(this, holding);
    const credentials = credentialsOf(this.system, name, `"the ${word} password changes without …"`);
    const random = this.random(`invalidate ${name}`);
    await inject(this, credentialChanged(this.env, name, credentials, { tell: false, random, durationMs }));
  },
);

When(
  /^the (\S+) user loses (.+?) on (table|schema) "([^"]+)"(?: for (.+))?$/,
  async function (
    this: FaultlineWorld,
    word: string,
    privileges: string,
    kind: 'table' | 'schema',
    object: string,
    holding?: string,
  ) {
    const name = storeWord(this.env.topology, word, 'postgres');
    const revoked = parsePrivileges(privileges, kind);
    const durationMs = holdingMs(this, holding);
    const credentials = credentialsOf(this.system, name, `"the ${word} user loses …"`);
    await inject(
      this,
      privilegeRevoked(this.env, name, credentials, revoked, { kind, name: object }, durationMs),
    );
  },
);

When(
  /^the (\S+) user may no longer run "([^"]*)"(?: for (.+))?$/,
  async function (this: FaultlineWorld, word: string, command: string, holding?: string) {
    const name = storeWord(this.env.topology, word, 'redis');
    const denied = parseCommand(command);
    const durationMs = holdingMs(this, holding);
    const credentials = credentialsOf(this.system, name, `"the ${word} user may no longer run …"`);
    await inject(this, commandDenied(this.env, name, credentials, denied, durationMs));
  },
);

Then(
  /^the (\S+) reports the (\S+) credentials refused within (.+)$/,
  { timeout: 60 * 60_000 },
  async function (this: FaultlineWorld, subject: string, word: string, bound: string) {
    await storeEventWithin(
      this,
      subject,
      word,
      bound,
      'credentials',
      `"the … reports the ${word} credentials refused …"`,
    );
  },
);

Then(
  /^the (\S+) reports the (\S+) permission denied within (.+)$/,
  { timeout: 60 * 60_000 },
  async function (this: FaultlineWorld, subject: string, word: string, bound: string) {
    await storeEventWithin(
      this,
      subject,
      word,
      bound,
      'permission',
      `"the … reports the ${word} permission denied …"`,
    );
  },
);

// Audit overflow: a client causes auditable events at a rate (the system declares how, in `audited`). A fault
// of the ledger, healed as soon as the flood ends: its window is "under fault" for the SLO verdicts, and its
// memory watch is what "the <service>'s memory stays within … of its baseline" judges.
When(
  /^a client causes (\S+) audited (.+?) per second for (.+)$/,
  { timeout: 10 * 60_000 },
  async function (this: FaultlineWorld, rateText: string, eventWords: string, forText: string) {
    const perSecond = parseRate(rateText);
    const durationMs = parseFloodDuration(forText);
    const step = `"a client causes ${rateText} audited ${eventWords} per second for ${forText}"`;
    const { words, declared } = auditedEvent(requireAdapter(this.system, 'audited', step), eventWords);
    const audit = requireAdapter(this.system, 'audit', step);
    const record = await this.faults.inject(
      auditFlood({
        env: this.env,
        words,
        declared,
        perSecond,
        durationMs,
        seed: this.seed,
        nextId: () => this.nextOperationId(`audited ${words}`),
        random: (purpose) => this.random(purpose),
        audit,
        started: (flood) => this.floods.push(flood),
      }),
    );
    await this.faults.heal(record);
    attachFault(this, record);
    attachFloodMemory(this);
  },
);

// Back-pressure as the audit shows it: once the flood has ended, within the bound, the system's audit
// accounts for every event the flood caused (written one by one or counted as an overflow).
Then(
  /^every audited (.+?) is recorded within (.+)$/,
  { timeout: 10 * 60_000 },
  async function (this: FaultlineWorld, eventWords: string, bound: string) {
    const step = `"every audited ${eventWords} is recorded within ${bound}"`;
    const boundMs = parseDuration(bound);
    const { words } = auditedEvent(requireAdapter(this.system, 'audited', step), eventWords);
    const audit = requireAdapter(this.system, 'audit', step);
    const floods = this.floods.flatMap((f) => {
      const c = caused.get(f);
      return c && c.words === words ? [{ flood: f, cause: c }] : [];
    });
    if (floods.length === 0)
      throw new StepInputError(
        `${step} judges a flood of audited ${words}s; this scenario caused none (add "When a client causes 300 audited ${words}s per second for 3 seconds" before it)`,
      );
    const since = Math.min(...floods.map((f) => f.flood.startedAt));
    const ended = Math.max(...floods.map((f) => f.flood.endedAt ?? Date.now()));
    const names = [...new Set(floods.flatMap((f) => f.cause.events))];
    const total = floods.reduce((n, f) => n + f.cause.answered, 0);
    // Read until the audit accounts for the flood or the bound (from the flood's end) has passed.
    let account = { caused: total, written: 0, counted: 0 };
    for (;;) {
      account = { ...accountFor(await audit(this.env, since), names), caused: total };
      if (account.written + account.counted >= total || Date.now() >= ended + boundMs) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    judge(this, auditKeptUp(words, floods[0]?.cause.service ?? '?', account, boundMs, Date.now() - ended));
  },
);
