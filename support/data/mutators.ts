import type { Readable } from 'node:stream';
import type { DeclaredRequest } from '../system/system.ts';
import { idLeaf, type Leaf, pathText, pick, replaceAt, structuralOffsets, valuesOf } from './json-text.ts';
import { oversizedBody } from './oversized.ts';

// Seeded mutators: each turns the system's own valid request into one that is wrong in exactly one way, and
// says how in a line of evidence. Same seed, same request → the same bytes, so a failing scenario re-runs
// with the very bodies that broke it. Every body here is malformed by construction (test/data/mutators.test.ts
// checks it: JSON.parse throws, TextDecoder with fatal: true throws, a field is gone or retyped …).

export const FAMILIES = [
  'invalid JSON',
  'missing fields',
  'wrong types',
  'wrong encoding',
  'invalid UTF-8',
  'oversized',
] as const;
export type Family = (typeof FAMILIES)[number];

/** One malformed request, ready to send. */
export interface MalformedRequest {
  family: Family;
  /** What is wrong with it, for the evidence: "truncated after 37 of 4,210 bytes". */
  description: string;
  /** The id the valid request carried: where the system would record its effects if it took it. */
  id: string;
  service: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Bytes of the body (sent as its Content-Length). */
  length: number;
  /** The body's bytes, afresh on every call: an oversized body is a stream that is never held whole. */
  body(): Buffer | Readable;
}

export interface MutationContext {
  id: string;
  random: () => number;
  /** The oversized family's body size in bytes. */
  sizeBytes?: number;
}

const JSON_UTF8 = 'application/json; charset=utf-8';

/** The declared request's headers, its content type set to what the body says it is. */
function headersOf(declared: DeclaredRequest, contentType: string): Record<string, string> {
  const kept = Object.entries(declared.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'content-type');
  return { ...Object.fromEntries(kept), 'content-type': contentType };
}

function fixed(
  family: Family,
  declared: DeclaredRequest,
  ctx: MutationContext,
  bytes: Buffer,
  description: string,
  contentType = JSON_UTF8,
): MalformedRequest {
  return {
    family,
    description,
    id: ctx.id,
    service: declared.service,
    method: declared.method ?? 'POST',
    path: declared.path,
    headers: headersOf(declared, contentType),
    length: bytes.length,
    body: () => bytes,
  };
}

const n = (value: number) => value.toLocaleString('en-US');

function invalidJson(declared: DeclaredRequest, ctx: MutationContext): MalformedRequest {
  const text = JSON.stringify(declared.json);
  const way = pick(ctx.random, ['truncated', 'unbalanced', 'trailing garbage'] as const);
  if (way === 'truncated' && text.length > 1) {
    // Any proper prefix of an object or array is unterminated; a scalar root could parse, so shorten until not.
    let cut = 1 + Math.floor(ctx.random() * (text.length - 1));
    while (cut > 1 && parses(text.slice(0, cut))) cut--;
    return fixed(
      'invalid JSON',
      declared,
      ctx,
      Buffer.from(text.slice(0, cut)),
      `invalid JSON: truncated after ${n(cut)} of ${n(text.length)} characters`,
    );
  }
  const closers = structuralOffsets(text, '}]');
  if (way === 'unbalanced' && closers.length > 0) {
    const at = pick(ctx.random, closers);
    return fixed(
      'invalid JSON',
      declared,
      ctx,
      Buffer.from(text.slice(0, at) + text.slice(at + 1)),
      `invalid JSON: unbalanced, the '${text[at]}' at character ${n(at)} removed`,
    );
  }
  // Never whitespace: JSON allows trailing whitespace, nothing else.
  const junk = Array.from({ length: 1 + Math.floor(ctx.random() * 8) }, () =>
    pick(ctx.random, [...'}],x{":;0']),
  ).join('');
  return fixed(
    'invalid JSON',
    declared,
    ctx,
    Buffer.from(text + junk),
    `invalid JSON: trailing garbage ${JSON.stringify(junk)} after the body`,
  );
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function objectBody(declared: DeclaredRequest, family: Family): Record<string, unknown> {
  const json = declared.json;
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new Error(
      `${family} needs a declared request whose body is a JSON object; it is ${JSON.stringify(json)?.slice(0, 60)}`,
    );
  return json as Record<string, unknown>;
}

function missingFields(declared: DeclaredRequest, ctx: MutationContext): MalformedRequest {
  const body = objectBody(declared, 'missing fields');
  const required = (declared.required ?? Object.keys(body)).filter((k) => k in body);
  if (required.length === 0)
    throw new Error(
      `missing fields needs a required field in the declared request of ${declared.path}; its body has ${Object.keys(body).join(', ') || 'no fields'} and required lists ${declared.required?.join(', ') ?? '(every field)'}`,
    );
  // A seeded number of them (at least one), chosen without repeats.
  const left = [...required];
  const dropped: string[] = [];
  for (let count = 1 + Math.floor(ctx.random() * required.length); count > 0; count--)
    dropped.push(...left.splice(Math.floor(ctx.random() * left.length), 1));
  let json: unknown = body;
  for (const field of dropped) json = replaceAt(json, [field], undefined, true);
  return fixed(
    'missing fields',
    declared,
    ctx,
    Buffer.from(JSON.stringify(json)),
    `missing fields: ${dropped.join(', ')} removed`,
  );
}

/** A value of another JSON type than `value`'s. */
function otherType(value: unknown, random: () => number): unknown {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  const candidates: Record<string, unknown[]> = {
    string: [12345, true, null, ['text'], { value: 'text' }],
    number: [String(value), false, null, [value], {}],
    boolean: [String(value), 1, null, [value]],
    object: ['text', 42, true, null, []],
    array: ['text', 7, {}, null],
    null: ['null', 0, false, {}],
  };
  return pick(random, candidates[kind] ?? ['text']);
}

function wrongTypes(declared: DeclaredRequest, ctx: MutationContext): MalformedRequest {
  const values = valuesOf(declared.json).filter((l) => l.value !== null);
  if (values.length === 0)
    throw new Error(
      `wrong types needs a field in the declared request of ${declared.path}; its body has none`,
    );
  const leaf = pick(ctx.random, values);
  const replaced = otherType(leaf.value, ctx.random);
  return fixed(
    'wrong types',
    declared,
    ctx,
    Buffer.from(JSON.stringify(replaceAt(declared.json, leaf.path, replaced))),
    `wrong types: ${pathText(leaf.path)} is ${JSON.stringify(replaced)} instead of ${article(typeName(leaf.value))}`,
  );
}

const article = (word: string): string => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

const typeName = (value: unknown): string =>
  Array.isArray(value)
    ? 'array'
    : value === null
      ? 'null'
      : typeof value === 'object'
        ? 'object'
        : typeof value;

/** The free-text field that carries foreign text: the one holding the id, else a seeded string field. */
function textLeaf(declared: DeclaredRequest, ctx: MutationContext, family: Family): Leaf {
  const leaf = idLeaf(declared.json, ctx.id);
  if (leaf) return leaf;
  const strings = valuesOf(declared.json).filter((l) => typeof l.value === 'string');
  if (strings.length === 0)
    throw new Error(
      `${family} needs a string field in the declared request of ${declared.path} to carry the text; it has none`,
    );
  return pick(ctx.random, strings);
}

// Letters Latin-1 can encode, each a lead byte ≥ 0xC0 there: in UTF-8 none is followed by a continuation
// byte, so any run of them is invalid UTF-8.
const LATIN1_LETTERS = [...'éèüöñçßøåæÿÉÜ'];
const MARK = '\u0000faultline\u0000';

function wrongEncoding(declared: DeclaredRequest, ctx: MutationContext): MalformedRequest {
  const leaf = textLeaf(declared, ctx, 'wrong encoding');
  const foreign = Array.from({ length: 3 + Math.floor(ctx.random() * 4) }, () =>
    pick(ctx.random, LATIN1_LETTERS),
  ).join('');
  const text = JSON.stringify(replaceAt(declared.json, leaf.path, `${String(leaf.value)}-${foreign}`));
  if (ctx.random() < 0.5)
    return fixed(
      'wrong encoding',
      declared,
      ctx,
      Buffer.from(text, 'latin1'),
      `wrong encoding: declared UTF-8, sent as Latin-1 (${pathText(leaf.path)} ends in "${foreign}")`,
    );
  return fixed(
    'wrong encoding',
    declared,
    ctx,
    Buffer.from(text, 'utf8'),
    `wrong encoding: declared Latin-1 (charset=iso-8859-1), sent as UTF-8 (${pathText(leaf.path)} ends in "${foreign}")`,
    'application/json; charset=iso-8859-1',
  );
}

/** Byte sequences no UTF-8 decoder may accept, each with its name. */
const INVALID_UTF8: readonly { bytes: number[]; what: string }[] = [
  { bytes: [0xc3, 0x28], what: 'a lead byte without its continuation' },
  { bytes: [0xa0, 0xa1], what: 'continuation bytes without a lead byte' },
  { bytes: [0xe2, 0x28, 0xa1], what: 'a broken 3-byte sequence' },
  { bytes: [0xf0, 0x28, 0x8c, 0xbc], what: 'a broken 4-byte sequence' },
  { bytes: [0xc0, 0xaf], what: "an overlong encoding of '/'" },
  { bytes: [0xed, 0xa0, 0x80], what: 'a UTF-16 surrogate (U+D800)' },
  { bytes: [0xf8, 0x88, 0x80, 0x80, 0x80], what: 'a 5-byte sequence' },
  { bytes: [0xff], what: 'the byte 0xFF' },
];

function invalidUtf8(declared: DeclaredRequest, ctx: MutationContext): MalformedRequest {
  const leaf = textLeaf(declared, ctx, 'invalid UTF-8');
  const bad = pick(ctx.random, INVALID_UTF8);
  const text = JSON.stringify(replaceAt(declared.json, leaf.path, `${String(leaf.value)}${MARK}`));
  const [before = '', after = ''] = text.split(JSON.stringify(MARK).slice(1, -1));
  const bytes = Buffer.concat([Buffer.from(before), Buffer.from(bad.bytes), Buffer.from(after)]);
  const hex = bad.bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  return fixed(
    'invalid UTF-8',
    declared,
    ctx,
    bytes,
    `invalid UTF-8: ${bad.what} (${hex}) in ${pathText(leaf.path)}`,
  );
}

function oversized(declared: DeclaredRequest, ctx: MutationContext): MalformedRequest {
  if (ctx.sizeBytes === undefined) throw new Error('oversized needs a size: e.g. oversized to 96 MB');
  const body = oversizedBody(declared.json, ctx.sizeBytes, ctx.random);
  return {
    family: 'oversized',
    description: `oversized: ${n(body.length)} bytes, ${pathText(body.padded)} padded with seeded filler (streamed)`,
    id: ctx.id,
    service: declared.service,
    method: declared.method ?? 'POST',
    path: declared.path,
    headers: headersOf(declared, JSON_UTF8),
    length: body.length,
    body: body.stream,
  };
}

const MUTATORS: Record<Family, (declared: DeclaredRequest, ctx: MutationContext) => MalformedRequest> = {
  'invalid JSON': invalidJson,
  'missing fields': missingFields,
  'wrong types': wrongTypes,
  'wrong encoding': wrongEncoding,
  'invalid UTF-8': invalidUtf8,
  oversized,
};

/** The declared request, malformed in the way `family` names, drawn from `ctx.random`. */
export function mutate(family: Family, declared: DeclaredRequest, ctx: MutationContext): MalformedRequest {
  return MUTATORS[family](declared, ctx);
}
