import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { DNS_ZONE } from './names.ts';
import { type Question, RCODE, readQuestion, TYPE_A, writeAnswer } from './packet.ts';

// faultline's own resolver: the DNS server the services that address their dependencies by name ask. It
// answers `<service>.faultline` with the address of the asking service's link to that service (the fault
// proxy's listener, so traffic by name still crosses the proxy), knows WHICH service asks (its vantage: the
// address the query arrived on, one per service on the local backend; the container it came from on the
// containers backend), fails the lookups a DNS fault names (NXDOMAIN, SERVFAIL, or no answer at all), and
// counts every lookup per (vantage, name): the proof that the system's own lookups met a fault.

/** How a faulted lookup fails. */
export type LookupFailure = 'NXDOMAIN' | 'SERVFAIL' | 'no answer';
export const LOOKUP_FAILURES: LookupFailure[] = ['NXDOMAIN', 'SERVFAIL', 'no answer'];

export interface Answering {
  /** The address `vantage` reaches `target` at (its link's proxy listener); undefined: no such link. */
  address(vantage: string, target: string): Promise<string | undefined> | string | undefined;
}

export interface LookupCount {
  /** Lookups (A queries) of the name the system made from that vantage. */
  total: number;
  /** Those a fault failed. */
  failed: number;
}

const key = (vantage: string, target: string) => `${vantage}\u0000${target}`;

export class Resolver {
  private readonly answering: Answering;
  private readonly sockets: { socket: Socket; address: string }[] = [];
  private readonly faults = new Map<string, LookupFailure>();
  private readonly counts = new Map<string, LookupCount>();
  private closed = false;

  constructor(answering: Answering) {
    this.answering = answering;
  }

  /** Where it listens (`address:53`), for the evidence and the interrupt test's residue check. */
  get listening(): string[] {
    return this.sockets.map((s) => `${s.address}:53`);
  }

  /** One socket per vantage (local backend): a query arriving on `address` is `vantage` asking. */
  listenFor(vantage: string, address: string): Promise<void> {
    return this.bind(address, () => vantage);
  }

  /** One socket for all (containers backend): the vantage is found from the query's source address. */
  listenShared(address: string, vantageOf: (source: string) => Promise<string | undefined>): Promise<void> {
    return this.bind(address, (source) => vantageOf(source.address));
  }

  private bind(
    address: string,
    vantageOf: (source: RemoteInfo) => string | undefined | Promise<string | undefined>,
  ): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the resolver is closed'));
    const socket = createSocket({ type: 'udp4' });
    socket.on('message', (message, source) => {
      void this.handle(message, source, vantageOf).then(
        (reply) => {
          if (reply && !this.closed) socket.send(reply, source.port, source.address);
        },
        () => undefined,
      );
    });
    return new Promise((resolve, reject) => {
      socket.once('error', (error) => {
        socket.close();
        reject(new Error(`faultline's resolver cannot listen on ${address}:53: ${error.message}`));
      });
      socket.bind(53, address, () => {
        socket.removeAllListeners('error');
        socket.on('error', () => undefined);
        this.sockets.push({ socket, address });
        resolve();
      });
    });
  }

  private async handle(
    message: Buffer,
    source: RemoteInfo,
    vantageOf: (source: RemoteInfo) => string | undefined | Promise<string | undefined>,
  ): Promise<Buffer | undefined> {
    const question = readQuestion(message);
    if (!question) return undefined;
    const lower = question.name.toLowerCase();
    const suffix = `.${DNS_ZONE}`;
    // Only the topology's names: anything else is not faultline's to answer.
    if (!lower.endsWith(suffix)) return writeAnswer(question, RCODE.refused);
    const vantage = await vantageOf(source);
    if (vantage === undefined) return writeAnswer(question, RCODE.refused);
    const target = lower.slice(0, -suffix.length);
    const probe = question.name !== lower;
    const at = key(vantage, target);
    const failure = this.faults.get(at);
    if (question.type === TYPE_A && !probe) {
      const count = this.counts.get(at) ?? { total: 0, failed: 0 };
      count.total += 1;
      if (failure) count.failed += 1;
      this.counts.set(at, count);
    }
    if (failure) return failed(question, failure);
    const address = await this.answering.address(vantage, target);
    if (address === undefined) return writeAnswer(question, RCODE.nxDomain);
    // A name with no IPv6 address: an empty answer (NODATA), so a dual-stack lookup settles on the A record.
    return writeAnswer(question, RCODE.noError, question.type === TYPE_A ? [address] : []);
  }

  /** From now on, `vantage`'s lookups of `target` fail that way; the returned function ends it. */
  fail(vantage: string, target: string, failure: LookupFailure): () => void {
    const at = key(vantage, target);
    this.faults.set(at, failure);
    return () => {
      if (this.faults.get(at) === failure) this.faults.delete(at);
    };
  }

  /** Whether a fault on `vantage`'s lookups of `target` is in place (the undo's clean check). */
  failing(vantage: string, target: string): LookupFailure | undefined {
    return this.faults.get(key(vantage, target));
  }

  /** The faults in place, as `vantage → name: failure`. */
  get overrides(): string[] {
    return [...this.faults].map(([k, f]) => {
      const [vantage, target] = k.split('\u0000');
      return `${vantage} → ${target}.${DNS_ZONE}: ${f}`;
    });
  }

  /** The system's lookups of `target` from `vantage` so far. */
  lookups(vantage: string, target: string): LookupCount {
    return { ...(this.counts.get(key(vantage, target)) ?? { total: 0, failed: 0 }) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.faults.clear();
    const sockets = this.sockets.splice(0);
    await Promise.all(
      sockets.map(({ socket }) => new Promise<void>((resolve) => socket.close(() => resolve()))),
    );
  }
}

function failed(question: Question, failure: LookupFailure): Buffer | undefined {
  if (failure === 'NXDOMAIN') return writeAnswer(question, RCODE.nxDomain);
  if (failure === 'SERVFAIL') return writeAnswer(question, RCODE.servFail);
  return undefined; // no answer: the asker waits for its own timeout
}
