import type { LogLine } from '../env/local/process.ts';
import type { FaultRecord } from '../faults/ledger.ts';
import type { CertificateRejection } from '../system/system.ts';
import type { Verdict } from './verdict.ts';

// Verdicts about forged member certificates, judged from plain data: the certificates this scenario forged
// (member, serial, when), the refusals the system recorded (its `certificateRejections`), and the members'
// logs. A scenario that forged nothing has nothing to be refused, so every check here fails on that.

/** A certificate the scenario made a member present. */
export interface ForgedCertificate {
  member: string;
  /** Serial of the forged certificate as the PKI wrote it (hex). */
  serial: string;
  /** When the fault began (epoch ms). */
  since: number;
}

const NOTHING_FORGED =
  'no certificate was forged in this scenario for the members the step names (no certificate fault struck them) — nothing for the system to refuse, so nothing is proven';

/** Is `r` the system refusing exactly this forged certificate for `reason`? */
function refuses(r: CertificateRejection, forged: ForgedCertificate, reason: string): boolean {
  if (r.member !== forged.member || r.reason !== reason) return false;
  // Without a serial the refusal can only be tied to the forged certificate by time.
  return r.serial === undefined ? r.at >= forged.since : r.serial === forged.serial;
}

/** The system refused every forged certificate, for `reason`, naming the forged serial where it records one. */
export function certificateRejected(
  rejections: readonly CertificateRejection[],
  forged: readonly ForgedCertificate[],
  reason: string,
): Verdict {
  const check = `certificate rejected as ${reason}`;
  const seen = rejections.map(
    (r) => `${r.member}: ${r.reason}${r.serial !== undefined ? ` (serial ${r.serial})` : ''}`,
  );
  const figures = { forged: forged.map((f) => `${f.member} (serial ${f.serial})`), rejections: seen };
  if (forged.length === 0) return { check, pass: false, message: NOTHING_FORGED, figures };
  const missing = forged.filter((f) => !rejections.some((r) => refuses(r, f, reason)));
  if (missing.length > 0)
    return {
      check,
      pass: false,
      message: `no refusal as ${reason} of the forged certificate of ${missing.map((f) => `${f.member} (serial ${f.serial})`).join(', ')}; refusals seen: ${seen.join(', ') || 'none'}`,
      figures,
    };
  const bySerial = forged.every((f) =>
    rejections.some((r) => refuses(r, f, reason) && r.serial !== undefined),
  );
  return {
    check,
    pass: true,
    message: `${figures.forged.join(', ')} rejected as ${reason}, ${bySerial ? "the system's record naming the forged serial" : 'matched by member and time (the system records no serial)'}`,
    figures,
  };
}

/** Every member a certificate fault struck logged the renewal line after the fault began. */
export function renewalLogged(
  faults: readonly FaultRecord[],
  logsOf: (member: string) => readonly LogLine[],
  line: RegExp | string,
): Verdict {
  const check = 'member logs that renewal is required';
  const matches = (text: string) => (typeof line === 'string' ? text.includes(line) : line.test(text));
  const shown = typeof line === 'string' ? `"${line}"` : String(line);
  const struck = faults.flatMap((f) => f.targets.map((member) => ({ member, since: f.startedAt ?? 0 })));
  const missing = struck
    .filter(({ member, since }) => !logsOf(member).some((l) => l.at >= since && matches(l.line)))
    .map((s) => s.member);
  const figures = { members: struck.map((s) => s.member), missing };
  if (struck.length === 0)
    return {
      check,
      pass: false,
      message:
        'no certificate fault struck any member the step names in this scenario — none had cause to log that renewal is required, so nothing is proven',
      figures,
    };
  return missing.length === 0
    ? {
        check,
        pass: true,
        message: `${figures.members.join(', ')} logged ${shown} after its certificate was forged`,
        figures,
      }
    : {
        check,
        pass: false,
        message: `no line matching ${shown} in the log of ${missing.join(', ')} since its certificate was forged`,
        figures,
      };
}
