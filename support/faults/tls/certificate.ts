import { join } from 'node:path';
import type { MemberCertificates } from '../../system/system.ts';
import { guardFile } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';
import { type IssuedCertificate, readIssued, validity } from './pki.ts';

/** What is wrong with the certificate a member is made to present. */
export type CertificateProblem =
  | { kind: 'expired' }
  | { kind: 'not yet valid' }
  | { kind: 'signed by an unknown CA' }
  | { kind: 'revoked' }
  | { kind: 'expiring'; inMs: number };

export const PROBLEMS = ['expired', 'not yet valid', 'signed by an unknown CA', 'revoked'] as const;

export function parseProblem(words: string): CertificateProblem {
  const found = PROBLEMS.find((p) => p === words);
  if (!found)
    throw new Error(
      `'${words}' is not a certificate problem; accepted: ${PROBLEMS.map((p) => `'${p}'`).join(', ')}`,
    );
  return { kind: found };
}

const describe = (p: CertificateProblem) => (p.kind === 'expiring' ? `expiring in ${p.inMs} ms` : p.kind);

/**
 * Replaces the certificate files a member presents (it re-reads them for every registration/heartbeat),
 * as an operator's mistake or time would. The proof is the certificate itself, read back from the very
 * files the member uses; checks later match the serial the system saw against it. The undo is a renewal:
 * a fresh, valid certificate under the same files.
 */
export function certificateFault(
  certificates: MemberCertificates,
  member: string,
  problem: CertificateProblem,
  onIssued: (serial: string) => void = () => {},
): FaultSpec {
  const { pki } = certificates;
  const stem = certificates.stemOf(member);
  const certFile = join(pki.dir, `${stem}.crt`);
  guardFile(certFile, `the certificate ${member} presents`);
  return {
    kind: 'certificate',
    description: `${member} presents a certificate ${describe(problem)}`,
    targets: [member],
    async apply() {
      let issued: IssuedCertificate | undefined;
      if (problem.kind === 'revoked') {
        pki.revoke((await readIssued(certFile)).serial);
        await pki.writeCrl();
      } else if (problem.kind === 'signed by an unknown CA')
        issued = await pki.issueFromOtherCa(member, { stem });
      else {
        const window =
          problem.kind === 'expired'
            ? validity.expired()
            : problem.kind === 'not yet valid'
              ? validity.notYetValid()
              : validity.for(problem.inMs);
        issued = await pki.issueClient(member, { stem, ...window });
      }
      const presented = await readIssued(certFile);
      if (issued && presented.serial !== issued.serial)
        throw new Error(
          `the certificate fault had no effect: ${certFile} still holds serial ${presented.serial}`,
        );
      onIssued(presented.serial);
      return [
        `${member}'s certificate files now hold serial ${presented.serial} (CN ${presented.cn}, not after ${presented.notAfter.toISOString()})` +
          (issued ? `, issued by ${issued.issuer}` : ", listed in the CA's revocation list"),
      ];
    },
    async undo() {
      await pki.issueClient(member, { stem });
    },
  };
}
