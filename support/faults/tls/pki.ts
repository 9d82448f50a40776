// The certificate forge behind the TLS faults: a per-run certificate authority that issues server and
// client certificates with any validity window (already expired, not yet valid, expiring in 3 s), a second
// authority nobody trusts, and a revocation list. Everything is built by @peculiar/x509 on Node's WebCrypto
// and written as PEM files, because that is how the services under test are configured.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const crypto = webcrypto;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A certificate issued "now" starts a minute back, so a peer whose clock is slightly behind accepts it. */
const BACKDATE_MS = 60_000;

export type CertificateKind = 'ca' | 'server' | 'client';

/** An issued certificate: where its files are, and what it says (as encoded, to the second). */
export interface IssuedCertificate {
  kind: CertificateKind;
  /** The subject's common name. */
  cn: string;
  /** PEM certificate and PEM (PKCS #8) private key. */
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
  /** Upper-case hex, as Node's `X509Certificate.serialNumber` and `getPeerCertificate()` print it. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** Common name of the authority that signed it. */
  issuer: string;
  /** Subject alternative names, as `DNS:name` / `IP Address:addr` (Node's `subjectaltname` spelling). */
  altNames: string[];
}

export interface Validity {
  notBefore?: Date;
  notAfter?: Date;
}

export interface ClientOptions extends Validity {
  /** Extra subject alternative names (DNS names or IP addresses). */
  altNames?: string[];
  /**
   * File stem in the PKI directory: `<stem>.crt` / `<stem>.key`. Issuing again under the same stem replaces
   * the files atomically (key first, then certificate) — how a running service's certificate is expired or
   * renewed mid-scenario. Default: a stem unique to this certificate.
   */
  stem?: string;
}

export interface ServerOptions extends Validity {
  stem?: string;
}

export interface CrlFile {
  file: string;
  /** Serials listed as revoked. */
  revoked: string[];
  thisUpdate: Date;
  nextUpdate: Date;
}

/** Validity windows for the usual faults, relative to now. */
export const validity = {
  /** Expired `agoMs` ago (default an hour), after a day of validity. */
  expired(agoMs = HOUR_MS): Required<Validity> {
    const end = Date.now() - agoMs;
    return { notBefore: new Date(end - DAY_MS), notAfter: new Date(end) };
  },
  /** Valid from `inMs` from now (default an hour), for a day. */
  notYetValid(inMs = HOUR_MS): Required<Validity> {
    const start = Date.now() + inMs;
    return { notBefore: new Date(start), notAfter: new Date(start + DAY_MS) };
  },
  /** Valid now and for `ms` more: a certificate that expires mid-scenario. */
  for(ms: number): Required<Validity> {
    const now = Date.now();
    return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + ms) };
  },
};

interface Authority {
  cn: string;
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
  issued: IssuedCertificate;
}

export interface Pki {
  /** Directory holding every file written. */
  readonly dir: string;
  /** The run's certificate authority: `ca.crt` is what services trust (TLS_CA_FILE). */
  readonly ca: IssuedCertificate;
  /** Where `writeCrl()` writes the revocation list (TLS_CRL_FILE). */
  readonly crlFile: string;
  /** A server certificate for `name`, valid for each of `hosts` (DNS names and IP addresses). */
  issueServer(name: string, hosts: string[], opts?: ServerOptions): Promise<IssuedCertificate>;
  /** A client certificate with common name `cn`; default validity: a day from a minute ago. */
  issueClient(cn: string, opts?: ClientOptions): Promise<IssuedCertificate>;
  /** A client certificate signed by another authority, which nobody configured by this PKI trusts. */
  issueFromOtherCa(cn: string, opts?: ClientOptions): Promise<IssuedCertificate>;
  /** A server certificate for `hosts` signed by that other authority (a service's clients refuse it). */
  issueServerFromOtherCa(name: string, hosts: string[], opts?: ServerOptions): Promise<IssuedCertificate>;
  /** Adds a certificate (or serial) of this CA to the revocation list; takes effect with `writeCrl()`. */
  revoke(cert: IssuedCertificate | string, at?: Date): void;
  /** Writes the signed CRL (PEM) to `crlFile`, atomically; with nothing revoked it is an empty list. */
  writeCrl(opts?: { nextUpdateMs?: number }): Promise<CrlFile>;
}

/** Creates a fresh certificate authority whose key and certificate live in `dir` (created if missing). */
export async function createPki(opts: { dir: string; name?: string }): Promise<Pki> {
  const dir = opts.dir;
  await mkdir(dir, { recursive: true });
  x509.cryptoProvider.set(crypto);
  const ca = await createAuthority(
    dir,
    'ca',
    opts.name ?? `faultline run CA ${randomBytes(3).toString('hex')}`,
  );
  let other: Promise<Authority> | undefined;
  const revoked = new Map<string, Date>();
  const crlFile = join(dir, 'ca.crl');

  return {
    dir,
    ca: ca.issued,
    crlFile,
    issueServer(name, hosts, o = {}) {
      if (hosts.length === 0) throw new Error(`issueServer(${JSON.stringify(name)}): give at least one host`);
      return issue(ca, dir, {
        kind: 'server',
        cn: name,
        altNames: hosts,
        usage: x509.ExtendedKeyUsage.serverAuth,
        validity: { ...validity.for(DAY_MS), ...defined(o) },
        stem: o.stem,
      });
    },
    issueClient(cn, o = {}) {
      return issue(ca, dir, {
        kind: 'client',
        cn,
        altNames: o.altNames ?? [],
        usage: x509.ExtendedKeyUsage.clientAuth,
        validity: { ...validity.for(DAY_MS), ...defined(o) },
        stem: o.stem,
      });
    },
    async issueFromOtherCa(cn, o = {}) {
      other ??= createAuthority(dir, 'other-ca', `faultline untrusted CA ${randomBytes(3).toString('hex')}`);
      return issue(await other, dir, {
        kind: 'client',
        cn,
        altNames: o.altNames ?? [],
        usage: x509.ExtendedKeyUsage.clientAuth,
        validity: { ...validity.for(DAY_MS), ...defined(o) },
        stem: o.stem ?? `other-ca-client-${safe(cn)}-${randomBytes(4).toString('hex')}`,
      });
    },
    async issueServerFromOtherCa(name, hosts, o = {}) {
      if (hosts.length === 0)
        throw new Error(`issueServerFromOtherCa(${JSON.stringify(name)}): give at least one host`);
      other ??= createAuthority(dir, 'other-ca', `faultline untrusted CA ${randomBytes(3).toString('hex')}`);
      return issue(await other, dir, {
        kind: 'server',
        cn: name,
        altNames: hosts,
        usage: x509.ExtendedKeyUsage.serverAuth,
        validity: { ...validity.for(DAY_MS), ...defined(o) },
        stem: o.stem ?? `other-ca-server-${safe(name)}-${randomBytes(4).toString('hex')}`,
      });
    },
    revoke(cert, at = new Date()) {
      if (typeof cert !== 'string' && cert.issuer !== ca.cn)
        throw new Error(
          `cannot revoke ${cert.cn} (serial ${cert.serial}): it was issued by ${JSON.stringify(cert.issuer)}, not by this PKI's CA ${JSON.stringify(ca.cn)}`,
        );
      const serial = (typeof cert === 'string' ? cert : cert.serial).toUpperCase();
      if (!/^[0-9A-F]+$/.test(serial))
        throw new Error(`revoke: ${JSON.stringify(serial)} is not a hex serial`);
      revoked.set(serial, at);
    },
    async writeCrl(o = {}) {
      const thisUpdate = new Date(Date.now() - BACKDATE_MS);
      const nextUpdate = new Date(Date.now() + (o.nextUpdateMs ?? DAY_MS));
      const crl = await x509.X509CrlGenerator.create(
        {
          issuer: ca.cert.subject,
          thisUpdate,
          nextUpdate,
          signingAlgorithm: ALGORITHM,
          signingKey: ca.keys.privateKey,
          entries: [...revoked].map(([serialNumber, revocationDate]) => ({
            serialNumber,
            revocationDate,
            reason: x509.X509CrlReason.keyCompromise,
          })),
          extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey, false, crypto)],
        },
        crypto,
      );
      // OpenSSL reads only the "X509 CRL" label (the library's own PEM says "CRL").
      await writeAtomically(crlFile, x509.PemConverter.encode(crl.rawData, 'X509 CRL'));
      return { file: crlFile, revoked: [...revoked.keys()], thisUpdate: crl.thisUpdate, nextUpdate };
    },
  };
}

/** What an issued certificate's PEM file says, read back (e.g. what a service is about to present). */
export interface ReadCertificate {
  serial: string;
  notBefore: Date;
  notAfter: Date;
  cn: string;
  /** Common name of the authority that signed it. */
  issuer: string;
  /** The DNS names and IP addresses it is valid for (its subject alternative names), as issued. */
  hosts: string[];
}

/** Reads an issued certificate's PEM files back (e.g. to check what a service is about to present). */
export async function readIssued(certFile: string): Promise<ReadCertificate> {
  const cert = new x509.X509Certificate(await readFile(certFile, 'utf8'));
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return {
    serial: normalSerial(cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    cn: commonName(cert.subject),
    issuer: commonName(cert.issuer),
    hosts: (san?.names.items ?? []).flatMap((n) => (n.type === 'dns' || n.type === 'ip' ? [n.value] : [])),
  };
}

/** A serial as Node prints it (`X509Certificate.serialNumber`, `getPeerCertificate()`), as the PKI writes it. */
export const serialOf = normalSerial;

async function createAuthority(dir: string, stem: string, cn: string): Promise<Authority> {
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const serialNumber = newSerial();
  const { notBefore, notAfter } = validity.for(7 * DAY_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber,
      name: [{ CN: [cn] }],
      keys,
      notBefore,
      notAfter,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const issued = await save(dir, stem, 'ca', cn, cn, cert, keys.privateKey, []);
  return { cn, keys, cert, issued };
}

async function issue(
  authority: Authority,
  dir: string,
  spec: {
    kind: 'server' | 'client';
    cn: string;
    altNames: string[];
    usage: x509.ExtendedKeyUsage;
    validity: Validity;
    stem: string | undefined;
  },
): Promise<IssuedCertificate> {
  if (spec.cn === '') throw new Error(`issue ${spec.kind} certificate: the common name is empty`);
  const { notBefore, notAfter } = spec.validity;
  if (notBefore && notAfter && notAfter <= notBefore)
    throw new Error(
      `issue ${spec.kind} certificate for ${spec.cn}: notAfter ${notAfter.toISOString()} is not after notBefore ${notBefore.toISOString()}`,
    );
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const names = spec.altNames.map((name) => ({
    type: isIP(name) ? ('ip' as const) : ('dns' as const),
    value: name,
  }));
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([spec.usage], false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    await x509.AuthorityKeyIdentifierExtension.create(authority.keys.publicKey, false, crypto),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const serialNumber = newSerial();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber,
      subject: [{ CN: [spec.cn] }],
      issuer: authority.cert.subject,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: authority.keys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions,
    },
    crypto,
  );
  const stem = spec.stem ?? `${spec.kind}-${safe(spec.cn)}-${serialNumber.slice(0, 8).toLowerCase()}`;
  const altNames = names.map((n) => (n.type === 'ip' ? `IP Address:${n.value}` : `DNS:${n.value}`));
  return save(dir, stem, spec.kind, spec.cn, authority.cn, cert, keys.privateKey, altNames);
}

async function save(
  dir: string,
  stem: string,
  kind: CertificateKind,
  cn: string,
  issuer: string,
  cert: x509.X509Certificate,
  privateKey: CryptoKey,
  altNames: string[],
): Promise<IssuedCertificate> {
  if (!/^[A-Za-z0-9._-]+$/.test(stem))
    throw new Error(`certificate file stem ${JSON.stringify(stem)}: use letters, digits, '.', '_' or '-'`);
  const certPem = cert.toString('pem');
  const keyPem = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', privateKey), 'PRIVATE KEY');
  const certFile = join(dir, `${stem}.crt`);
  const keyFile = join(dir, `${stem}.key`);
  // Each file is renamed into place, so a reader never sees half of one. Between the two renames a reader
  // may pair the new key with the old certificate: a mismatch that TLS refuses and the reader retries.
  await writeAtomically(keyFile, keyPem, 0o600);
  await writeAtomically(certFile, certPem);
  return {
    kind,
    cn,
    certFile,
    keyFile,
    certPem,
    keyPem,
    serial: normalSerial(cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    issuer,
    altNames,
  };
}

async function writeAtomically(file: string, content: string, mode = 0o644): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode });
  await rename(temporary, file);
}

/** 16 random bytes, positive, first byte ≥ 0x10 so that no printer drops a leading zero. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x10 + ((bytes[0] ?? 0) % 0x70);
  return bytes.toString('hex').toUpperCase();
}

function normalSerial(hex: string): string {
  return hex.toUpperCase().replace(/^(00)+(?=.)/, '');
}

function commonName(dn: string): string {
  return /(?:^|,\s*)CN=([^,]+)/.exec(dn)?.[1] ?? dn;
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
}

function defined(v: Validity): Validity {
  return {
    ...(v.notBefore ? { notBefore: v.notBefore } : {}),
    ...(v.notAfter ? { notAfter: v.notAfter } : {}),
  };
}
