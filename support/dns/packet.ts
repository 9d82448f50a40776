// The few bytes of the DNS wire format (RFC 1035) faultline's resolver needs: read one question, write an
// answer of A records, or a bare response code. Hand-written on purpose: a query is a 12-byte header and a
// name, and faultline answers nothing else, so a packet library would be a dependency for thirty lines.

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const RCODE = { noError: 0, servFail: 2, nxDomain: 3, refused: 5 } as const;

export interface Question {
  id: number;
  /** Recursion desired, echoed back. */
  rd: boolean;
  /** The name as asked (its case kept: probes ask in upper case, see resolver.ts). */
  name: string;
  type: number;
  /** The question section's raw bytes, echoed in the answer. */
  raw: Buffer;
}

/** The first question of a query, or undefined for anything that is not a well-formed standard query. */
export function readQuestion(message: Buffer): Question | undefined {
  if (message.length < 12) return undefined;
  const flags = message.readUInt16BE(2);
  const qr = flags >> 15;
  const opcode = (flags >> 11) & 0xf;
  if (qr !== 0 || opcode !== 0 || message.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const length = message[at];
    if (length === undefined || length > 63) return undefined;
    at += 1;
    if (length === 0) break;
    if (at + length > message.length) return undefined;
    labels.push(message.toString('latin1', at, at + length));
    at += length;
  }
  if (at + 4 > message.length) return undefined;
  const type = message.readUInt16BE(at);
  return {
    id: message.readUInt16BE(0),
    rd: ((flags >> 8) & 1) === 1,
    name: labels.join('.'),
    type,
    raw: message.subarray(12, at + 4),
  };
}

/**
 * A response to `question`: the given IPv4 addresses as A records with TTL 0 (nothing may cache them, so
 * a fault is met by the very next lookup), or none, with the response code.
 */
export function writeAnswer(question: Question, rcode: number, addresses: string[] = []): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(question.id, 0);
  // QR=1, opcode 0, AA=1, RD echoed, RA=1, rcode.
  header.writeUInt16BE(0x8000 | 0x0400 | (question.rd ? 0x0100 : 0) | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const records = addresses.map((address) => {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // a pointer to the name in the question
    record.writeUInt16BE(TYPE_A, 2);
    record.writeUInt16BE(1, 4); // class IN
    record.writeUInt32BE(0, 6); // TTL 0
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((octet, i) => {
      record[12 + i] = Number(octet);
    });
    return record;
  });
  return Buffer.concat([header, question.raw, ...records]);
}

/** A standard query for `name` (type A by default): what the probe sends. */
export function writeQuery(id: number, name: string, type = TYPE_A): Buffer {
  const labels = name.split('.').filter(Boolean);
  const parts = labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([header, ...parts, tail]);
}

/** The response code and A addresses of a response. */
export function readAnswer(message: Buffer): { id: number; rcode: number; addresses: string[] } {
  const id = message.readUInt16BE(0);
  const rcode = message.readUInt16BE(2) & 0xf;
  const answers = message.readUInt16BE(6);
  let at = 12;
  // Skip the question: its name, then type and class.
  while (message[at] !== 0 && at < message.length) {
    if ((message[at]! & 0xc0) === 0xc0) {
      at += 1;
      break;
    }
    at += message[at]! + 1;
  }
  at += 5;
  const addresses: string[] = [];
  for (let i = 0; i < answers && at < message.length; i++) {
    if ((message[at]! & 0xc0) === 0xc0) at += 2;
    else {
      while (message[at] !== 0 && at < message.length) at += message[at]! + 1;
      at += 1;
    }
    const type = message.readUInt16BE(at);
    const length = message.readUInt16BE(at + 8);
    if (type === TYPE_A && length === 4) addresses.push([...message.subarray(at + 10, at + 14)].join('.'));
    at += 10 + length;
  }
  return { id, rcode, addresses };
}
