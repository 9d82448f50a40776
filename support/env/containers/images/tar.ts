import { createReadStream, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';

// A tar archive written straight from host files to the engine (image import, build context): no staging
// copy on disk, and every entry's owner and mode chosen here rather than taken from this machine.

interface Owned {
  mode: number;
  uid: number;
  gid: number;
}

type Entry =
  | ({ type: 'dir' } & Owned)
  | ({ type: 'file'; source: string; size: number } & Owned)
  | ({ type: 'data'; data: Buffer } & Owned)
  | ({ type: 'symlink'; target: string } & Owned);

const ROOT_DIR: Owned = { mode: 0o755, uid: 0, gid: 0 };

/** "usr/bin/x" from "/usr/bin/x" or "usr/bin/x/". */
function clean(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}

export class TarArchive {
  private readonly entries = new Map<string, Entry>();
  /** Every host file taken, with its size and modification time (for content hashes). */
  readonly sources = new Map<string, string>();

  has(path: string): boolean {
    return this.entries.has(clean(path));
  }

  private parents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!this.entries.has(dir)) this.entries.set(dir, { type: 'dir', ...ROOT_DIR });
    }
  }

  dir(path: string, owned: Partial<Owned> = {}): this {
    const p = clean(path);
    this.parents(p);
    this.entries.set(p, { type: 'dir', ...ROOT_DIR, ...owned });
    return this;
  }

  /** A host file (symlinks followed) stored at `path`; keeps the host file's permission bits by default. */
  hostFile(path: string, source: string, owned: Partial<Owned> = {}): this {
    const p = clean(path);
    const s = statSync(source);
    this.parents(p);
    this.entries.set(p, {
      type: 'file',
      source,
      size: s.size,
      mode: s.mode & 0o7777,
      uid: 0,
      gid: 0,
      ...owned,
    });
    this.sources.set(source, `${s.size}\t${Math.round(s.mtimeMs)}`);
    return this;
  }

  data(path: string, data: string | Buffer, owned: Partial<Owned> = {}): this {
    const p = clean(path);
    this.parents(p);
    this.entries.set(p, { type: 'data', data: Buffer.from(data), mode: 0o644, uid: 0, gid: 0, ...owned });
    return this;
  }

  symlink(path: string, target: string): this {
    const p = clean(path);
    this.parents(p);
    this.entries.set(p, { type: 'symlink', target, mode: 0o777, uid: 0, gid: 0 });
    return this;
  }

  /** A host directory tree at `path` (symlinks inside kept as symlinks); `skip` filters entry names. */
  hostTree(path: string, source: string, skip: (name: string) => boolean = () => false): this {
    const walk = (abs: string, at: string) => {
      const s = statSync(abs);
      this.dir(at, { mode: s.mode & 0o7777 });
      for (const entry of readdirSync(abs, { withFileTypes: true })) {
        if (skip(entry.name)) continue;
        const child = join(abs, entry.name);
        const inside = `${at}/${entry.name}`;
        if (entry.isSymbolicLink()) this.symlink(inside, readlinkSync(child));
        else if (entry.isDirectory()) walk(child, inside);
        else if (entry.isFile()) this.hostFile(inside, child);
      }
    };
    if (!lstatSync(source).isDirectory()) throw new Error(`${source} is not a directory`);
    walk(source, clean(path));
    return this;
  }

  /** path, size and mtime of every host file taken, sorted: changes whenever an input changes. */
  fingerprint(): string[] {
    return [...this.sources].map(([p, s]) => `${p}\t${s}`).sort();
  }

  stream(): Readable {
    const entries = [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Readable.from(generate(entries));
  }
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, entry: Entry, size: number): Buffer[] {
  const out: Buffer[] = [];
  let shortName = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (
      cut > 0 &&
      Buffer.byteLength(name.slice(cut + 1)) <= 100 &&
      Buffer.byteLength(name.slice(0, cut)) <= 155
    ) {
      prefix = name.slice(0, cut);
      shortName = name.slice(cut + 1);
    } else {
      // PAX extended header carries the full path.
      const record = (text: string) => {
        let len = text.length + 3;
        for (;;) {
          const line = `${len} ${text}\n`;
          if (Buffer.byteLength(line) === len) return line;
          len = Buffer.byteLength(line);
        }
      };
      const pax = Buffer.from(record(`path=${name}`));
      out.push(
        rawHeader('PaxHeader', { type: 'data', data: pax, mode: 0o644, uid: 0, gid: 0 }, pax.length, 'x', ''),
      );
      out.push(pax, Buffer.alloc((512 - (pax.length % 512)) % 512));
      shortName = name.slice(-100);
    }
  }
  const flag = entry.type === 'dir' ? '5' : entry.type === 'symlink' ? '2' : '0';
  out.push(rawHeader(shortName, entry, size, flag, prefix));
  return out;
}

function rawHeader(name: string, entry: Entry, size: number, flag: string, prefix: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(octal(entry.mode, 8), 100);
  h.write(octal(entry.uid, 8), 108);
  h.write(octal(entry.gid, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136);
  h.write('        ', 148);
  h.write(flag, 156);
  if (entry.type === 'symlink') h.write(entry.target, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

async function* generate(entries: [string, Entry][]): AsyncGenerator<Buffer> {
  for (const [name, entry] of entries) {
    if (entry.type === 'dir') {
      yield* header(`${name}/`, entry, 0);
    } else if (entry.type === 'symlink') {
      yield* header(name, entry, 0);
    } else if (entry.type === 'data') {
      yield* header(name, entry, entry.data.length);
      yield entry.data;
      yield Buffer.alloc((512 - (entry.data.length % 512)) % 512);
    } else {
      yield* header(name, entry, entry.size);
      let written = 0;
      for await (const chunk of createReadStream(entry.source)) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (written !== entry.size)
        throw new Error(`${entry.source} changed size while it was archived (${entry.size} → ${written})`);
      yield Buffer.alloc((512 - (entry.size % 512)) % 512);
    }
  }
  yield Buffer.alloc(1024);
}
