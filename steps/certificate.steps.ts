import { Then, When } from '@cucumber/cucumber';
import {
  certificateRejected,
  type ForgedCertificate,
  renewalLogged,
} from '../support/checks/certificates.ts';
import { servedByOthers } from '../support/checks/served.ts';
import { pickMembers } from '../support/faults/targets.ts';
import {
  type CertificateProblem,
  certificateFault,
  parseProblem,
} from '../support/faults/tls/certificate.ts';
import { requireAdapter } from '../support/system/system.ts';
import {
  coordinatedWords,
  coordinatorAndMember,
  groupWord,
  membersOf,
  memberWord,
} from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { inject, judge, settle } from './judge.ts';

/** How long a member's log line may trail the audit row of the same refusal. */
const LOG_GRACE_MS = 3_000;

// Serials of the certificates forged in this scenario, by member: the proof a rejection was about them.
const forged = new WeakMap<FaultlineWorld, Map<string, string>>();

async function strike(
  world: FaultlineWorld,
  coordinator: string,
  group: string,
  count: number,
  problem: CertificateProblem,
) {
  const certificates = world.system.certificates;
  if (!certificates)
    throw new Error('this system has no member certificates to forge (its prepare() set up no PKI)');
  const serials = forged.get(world) ?? new Map<string, string>();
  forged.set(world, serials);
  for (const target of await pickMembers(world, coordinator, group, count)) {
    await inject(
      world,
      certificateFault(certificates, target, problem, (serial) => serials.set(target, serial)),
    );
  }
}

When(
  /^(\d+) of the (\S+?)'s (\S+) presents? a certificate that is (.+)$/,
  async function (
    this: FaultlineWorld,
    count: string,
    coordinator: string,
    groupText: string,
    problem: string,
  ) {
    const { group } = coordinatedWords(this.env.topology, coordinator, Number(count), groupText);
    await strike(this, coordinator, group, Number(count), parseProblem(problem));
  },
);

When(
  /^the certificate of (\d+) of the (\S+?)'s (\S+) expires in (.+)$/,
  async function (
    this: FaultlineWorld,
    count: string,
    coordinator: string,
    groupText: string,
    within: string,
  ) {
    const { group } = coordinatedWords(this.env.topology, coordinator, Number(count), groupText);
    await strike(this, coordinator, group, Number(count), { kind: 'expiring', inMs: this.duration(within) });
  },
);

/** The certificate faults of this scenario on members of the group the member word names. */
function certificateFaults(world: FaultlineWorld, memberText: string) {
  const members = membersOf(world.env.topology, memberWord(world.env.topology, memberText));
  return world.faults.records
    .filter((f) => f.kind === 'certificate' && f.startedAt !== undefined)
    .map((f) => ({ ...f, targets: f.targets.filter((t) => members.includes(t)) }))
    .filter((f) => f.targets.length > 0);
}

/** The certificates this scenario forged for members of that group: member, serial, when its fault began. */
function forgedIn(world: FaultlineWorld, memberText: string): ForgedCertificate[] {
  const serials = forged.get(world) ?? new Map<string, string>();
  return certificateFaults(world, memberText).flatMap((f) =>
    f.targets.flatMap((member) => {
      const serial = serials.get(member);
      return serial === undefined ? [] : [{ member, serial, since: f.startedAt as number }];
    }),
  );
}

Then(
  /^the (\S+) rejects the (\S+?)'s certificate as (\S+) within (.+)$/,
  async function (this: FaultlineWorld, coordinator: string, member: string, reason: string, within: string) {
    coordinatorAndMember(this.env.topology, coordinator, member);
    const step = `"the … rejects the …'s certificate as ${reason}"`;
    const rejections = requireAdapter(this.system, 'certificateRejections', step);
    if (!rejections.reasons.includes(reason))
      throw new Error(
        `'${reason}' is not a reason '${this.system.topology.name}' gives for refusing a certificate; accepted: ${rejections.reasons.join(', ')}`,
      );
    const certificates = forgedIn(this, member);
    const judgeNow = async () =>
      certificateRejected(
        certificates.length === 0
          ? []
          : await rejections.read(this.env, Math.min(...certificates.map((c) => c.since))),
        certificates,
        reason,
      );
    // The system records a refusal when the member next presents the certificate: poll until `within`.
    let verdict = await settle(judgeNow, {
      until: Date.now() + this.duration(within),
      everyMs: 200,
      waiting: certificates.length > 0,
    });
    if (!verdict.pass && certificates.length > 0)
      verdict = { ...verdict, message: `${verdict.message} (waited ${within})` };
    judge(this, verdict);
  },
);

Then(
  'the {word} logs that certificate renewal is required',
  async function (this: FaultlineWorld, member: string) {
    const line = requireAdapter(
      this.system,
      'renewalLog',
      `"the ${member} logs that certificate renewal is required"`,
    );
    const faults = certificateFaults(this, member);
    const judgeNow = () => renewalLogged(faults, (m) => this.env.logs(m), line);
    // The member logs after it reads the refusal, which the system's record (the step before) may precede:
    // give its line a moment to arrive through the log pipe.
    judge(
      this,
      await settle(judgeNow, { until: Date.now() + LOG_GRACE_MS, everyMs: 50, waiting: faults.length > 0 }),
    );
  },
);

Then(
  /^(\d+) more (.+?) are all served by the other (\S+)$/,
  async function (this: FaultlineWorld, count: string, kindWords: string, groupText: string) {
    const group = groupWord(this.env.topology, groupText);
    const kind = kindWords.replace(/s$/, '');
    const operation = this.system.operations[kind];
    if (!operation)
      throw new Error(
        `'${kind}' is not an operation of this system; known: ${Object.keys(this.system.operations).join(', ')}`,
      );
    const members = membersOf(this.env.topology, group);
    // The members a fault of this scenario still holds: "the other <group>" are the rest.
    const excluded = [
      ...new Set(
        this.faults.records
          .filter((f) => f.state === 'active' || f.state === 'applying')
          .flatMap((f) => f.targets)
          .filter((t) => members.includes(t)),
      ),
    ];
    const results = [];
    for (let i = 0; i < Number(count); i++) {
      const id = this.nextOperationId(kind);
      results.push(
        this.history.record(await operation({ env: this.env, id, random: this.random(`operation:${id}`) })),
      );
    }
    judge(this, servedByOthers(results, excluded, group, members));
  },
);
