import { Then, When } from '@cucumber/cucumber';
import { type AuditEvent, requireAdapter } from '../support/env/system.ts';
import { pickMembers } from '../support/faults/targets.ts';
import {
  type CertificateProblem,
  certificateFault,
  parseProblem,
} from '../support/faults/tls/certificate.ts';
import { coordinatedWords, coordinatorAndMember, groupWord, memberWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { judge } from './judge.ts';

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
    const fault = await world.faults.inject(
      certificateFault(certificates, target, problem, (serial) => serials.set(target, serial)),
    );
    world.attach(`${fault.description}\n${fault.evidence.join('\n')}`, { mediaType: 'text/plain' });
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

const REASONS = ['expired', 'not_yet_valid', 'unknown_ca', 'revoked'];

Then(
  /^the (\S+) rejects the (\S+?)'s certificate as (\S+) within (.+)$/,
  async function (this: FaultlineWorld, coordinator: string, member: string, reason: string, within: string) {
    coordinatorAndMember(this.env.topology, coordinator, member);
    if (!REASONS.includes(reason))
      throw new Error(`'${reason}' is not a rejection reason; accepted: ${REASONS.join(', ')}`);
    const serials = forged.get(this) ?? new Map<string, string>();
    const faults = this.faults.records.filter((f) => f.kind === 'certificate');
    const since = Math.min(...faults.map((f) => f.startedAt ?? this.startedAt));
    const deadline = Date.now() + this.duration(within);
    const matches = (e: AuditEvent) =>
      e.event === 'registration_rejected' &&
      e.subject !== undefined &&
      e.detail.reason === reason &&
      serials.get(e.subject) !== undefined &&
      e.detail.serial === serials.get(e.subject);
    const audit = requireAdapter(this.system, 'audit', 'a certificate rejection verdict');
    let events = await audit(this.env, since);
    while (
      !serials.size ||
      ![...serials.keys()].every((m) => events.some((e) => e.subject === m && matches(e)))
    ) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
      events = await audit(this.env, since);
    }
    const missing = [...serials.keys()].filter((m) => !events.some((e) => e.subject === m && matches(e)));
    const seen = events
      .filter((e) => e.event === 'registration_rejected')
      .map((e) => `${e.subject}:${String(e.detail.reason)}:${String(e.detail.serial)}`);
    judge(this, {
      check: `certificate rejected as ${reason}`,
      pass: serials.size > 0 && missing.length === 0,
      message:
        missing.length === 0 && serials.size > 0
          ? `${[...serials].map(([m, s]) => `${m} (serial ${s})`).join(', ')} rejected as ${reason}, the audit log naming the forged serial`
          : `no registration_rejected (${reason}) naming the forged certificate of ${missing.join(', ') || 'any member'} within ${within}; rejections seen: ${seen.join(', ') || 'none'}`,
      figures: { rejections: seen },
    });
  },
);

Then(
  'the {word} logs that certificate renewal is required',
  async function (this: FaultlineWorld, member: string) {
    memberWord(this.env.topology, member);
    const faults = this.faults.records.filter((f) => f.kind === 'certificate');
    const unlogged = () =>
      faults.flatMap((f) =>
        f.targets.filter(
          (t) =>
            !this.env
              .logs(t)
              .some((l) => l.at >= (f.startedAt ?? 0) && l.line.includes('certificate renewal required')),
        ),
      );
    // The member logs after it reads the refusal, which the audit row (the step before) may precede:
    // give its line a moment to arrive through the log pipe.
    const deadline = Date.now() + LOG_GRACE_MS;
    let missing = unlogged();
    while (missing.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      missing = unlogged();
    }
    judge(this, {
      check: 'member logs that renewal is required',
      pass: faults.length > 0 && missing.length === 0,
      message:
        missing.length === 0
          ? `${faults.flatMap((f) => f.targets).join(', ')} logged "certificate renewal required"`
          : `no "certificate renewal required" in the log of ${missing.join(', ')}`,
      figures: { missing },
    });
  },
);

Then(
  /^(\d+) more (.+?) are all served by the other (\S+)$/,
  async function (this: FaultlineWorld, count: string, kindWords: string, groupText: string) {
    groupWord(this.env.topology, groupText);
    const kind = kindWords.replace(/s$/, '');
    const operation = this.system.operations[kind];
    if (!operation)
      throw new Error(
        `'${kind}' is not an operation of this system; known: ${Object.keys(this.system.operations).join(', ')}`,
      );
    const excluded = new Set(
      this.faults.records.filter((f) => f.kind === 'certificate').flatMap((f) => f.targets),
    );
    const results = [];
    for (let i = 0; i < Number(count); i++) {
      const id = this.nextOperationId(kind);
      results.push(
        this.history.record(await operation({ env: this.env, id, random: this.random(`operation:${id}`) })),
      );
    }
    const failed = results.filter((r) => r.outcome !== 'ok');
    const onExcluded = results.filter((r) => r.servedBy && excluded.has(r.servedBy));
    const servedBy = [...new Set(results.map((r) => r.servedBy ?? 'none'))].sort();
    judge(this, {
      check: 'service continues on the other members',
      pass: failed.length === 0 && onExcluded.length === 0,
      message: `${results.length - failed.length} of ${results.length} succeeded, served by ${servedBy.join(', ')}; ${onExcluded.length} served by a rejected member (${[...excluded].join(', ')})`,
      figures: { served_by: servedBy, failed: failed.length, on_rejected: onExcluded.length },
    });
  },
);
