// Benchmark of the data-fault generator (issue 14): a 100 MB malformed (oversized) body sent to a server that
// reads all of it, with the peak RSS of the sending process beside the body size — the streamed generator
// against, in the same run, the same body built in memory first and `curl --data-binary @file` of a file of
// the same size — and how many malformed requests per second each mutator makes from the reference
// platform's declared request. Each sender is its own process, measured by /usr/bin/time (max RSS), so one
// cannot inflate another's figure. Run: npx node bench/data.ts [MB=100]   (not part of npm test)

import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { seededDocument } from '../fixtures/payloads/document.ts';
import { FAMILIES, mutate } from '../support/data/mutators.ts';
import { oversizedBody } from '../support/data/oversized.ts';
import { sendMalformed } from '../support/data/send.ts';
import { derive, seeded } from '../support/random.ts';
import type { DeclaredRequest } from '../support/system/system.ts';

const SELF = fileURLToPath(import.meta.url);
const MB = Number(process.argv[2] ?? 100);
const SIZE = MB * 1_000_000;

/** The reference platform's declared request (fixtures/platform/system.ts), as data faults see it. */
function declaredRequest(id: string): DeclaredRequest {
  return {
    service: 'controller',
    method: 'POST',
    path: '/v1/conversions',
    json: {
      request_id: id,
      document: { content_base64: seededDocument(derive(1, id), 4096).toString('base64') },
      target_format: 'pdf',
    },
  };
}

// ---- child mode: one sender, measured from outside -------------------------------------------------
const variant = process.argv[2] === '--variant' ? process.argv[3] : undefined;
if (variant !== undefined) {
  const url = process.argv[4] as string;
  const size = Number(process.argv[5]);
  const at = { host: new URL(url).hostname, port: Number(new URL(url).port) };
  const declared = declaredRequest('bench-1');
  const started = performance.now();
  let status = 0;
  if (variant === 'idle') {
    // The same process and modules, a 1 KB body: what Node and the sender cost before any body.
    const m = mutate('invalid JSON', declared, { id: 'bench-1', random: seeded(1) });
    status = (await sendMalformed(at, m, 60_000)).status ?? 0;
  } else if (variant === 'streamed') {
    const m = mutate('oversized', declared, { id: 'bench-1', random: seeded(1), sizeBytes: size });
    status = (await sendMalformed(at, m, 120_000)).status ?? 0;
  } else if (variant === 'in-memory') {
    // The same bytes, collected into one buffer before sending: what a generator that builds the body costs.
    const chunks: Buffer[] = [];
    await pipeline(
      oversizedBody(declared.json, size, seeded(1)).stream(),
      new Writable({
        write(chunk: Buffer, _e, done) {
          chunks.push(Buffer.from(chunk));
          done();
        },
      }),
    );
    const body = Buffer.concat(chunks);
    chunks.length = 0;
    const response = await request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    await response.body.text();
    status = response.statusCode;
  }
  process.stdout.write(`${JSON.stringify({ status, ms: performance.now() - started })}\n`);
  process.exit(0);
}

// ---- parent: a sink that reads every byte, the senders, the mutation rates --------------------------
let received = 0;
const sink = createServer((req, res) => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    received = bytes;
    res.end(JSON.stringify({ bytes }));
  });
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/conversions`;

/** Runs a command under /usr/bin/time; its max RSS in KB and what it printed. */
function measured(command: string[]): Promise<{ maxRssKb: number; out: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS %M', ...command], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const kb = Number(err.match(/MAXRSS (\d+)/)?.[1]);
      if (code !== 0 || !Number.isFinite(kb))
        reject(new Error(`${command.join(' ')} failed (${code}): ${err}`));
      else resolve({ maxRssKb: kb, out, ms: performance.now() - started });
    });
  });
}

const node = process.execPath;
const runs: Record<string, { maxRssKb: number; ms: number; received: number; status: number }> = {};
for (const v of ['idle', 'streamed', 'in-memory']) {
  received = 0;
  const r = await measured([node, SELF, '--variant', v, url, String(SIZE)]);
  runs[v] = { maxRssKb: r.maxRssKb, ms: r.ms, received, status: JSON.parse(r.out).status };
}
// curl reads an @file whole before it sends it; written from the same stream, so the bytes are the same.
let curlIdleKb = 0;
const dir = await mkdtemp(join(tmpdir(), 'faultline-bench-data-'));
try {
  const file = join(dir, 'body.json');
  await pipeline(
    oversizedBody(declaredRequest('bench-1').json, SIZE, seeded(1)).stream(),
    createWriteStream(file),
  );
  const small = join(dir, 'small.json');
  await pipeline(
    oversizedBody(declaredRequest('bench-1').json, 10_000, seeded(1)).stream(),
    createWriteStream(small),
  );
  const curlOf = (path: string) => [
    'curl',
    '-sS',
    '-o',
    '/dev/null',
    '-H',
    'content-type: application/json',
    '--data-binary',
    `@${path}`,
    url,
  ];
  curlIdleKb = (await measured(curlOf(small))).maxRssKb;
  received = 0;
  const curl = await measured(curlOf(file));
  runs['curl --data-binary @file'] = { maxRssKb: curl.maxRssKb, ms: curl.ms, received, status: 200 };
} finally {
  await rm(dir, { recursive: true, force: true });
}
sink.close();

const idle = runs.idle?.maxRssKb ?? 0;
const mb = (kb: number) => (kb / 1000).toFixed(1);
process.stdout.write(
  `data faults — ${MB} MB oversized body to a sink that reads it all; ${cpus().length} cores\n\n`,
);
process.stdout.write(
  '| sender | body | bytes the server read | status | peak RSS of the sender | above an idle sender | time |\n',
);
process.stdout.write('|---|---|---|---|---|---|---|\n');
for (const [name, r] of Object.entries(runs)) {
  const body = name === 'idle' ? 'a few KB' : `${MB} MB`;
  // curl's idle figure: the same command with a 10 KB file.
  const above = `${mb(r.maxRssKb - (name.startsWith('curl') ? curlIdleKb : idle))} MB`;
  process.stdout.write(
    `| ${name} | ${body} | ${(r.received / 1e6).toFixed(1)} MB | ${r.status} | ${mb(r.maxRssKb)} MB | ${above} | ${(r.ms / 1000).toFixed(2)} s |\n`,
  );
}

// Mutations per second, per family, of the platform's declared request (a 4 KB document inside): the
// mutation alone, a fresh seed each (building the declared request is the system's cost, not the mutator's).
process.stdout.write('\n| mutator | malformed requests / s | body |\n|---|---|---|\n');
const declared = declaredRequest('bench-1');
for (const family of FAMILIES) {
  let count = 0;
  let bytes = 0;
  // A short warm-up first: the JIT, not the mutator, would otherwise set the figure.
  for (let i = 0; i < 200; i++)
    mutate(family, declared, { id: 'bench-1', random: seeded(i), sizeBytes: 1_000_000 });
  const until = performance.now() + 1_000;
  const started = performance.now();
  while (performance.now() < until) {
    const m = mutate(family, declared, { id: 'bench-1', random: seeded(count), sizeBytes: 1_000_000 });
    bytes += m.length;
    count++;
  }
  const perSecond = count / ((performance.now() - started) / 1000);
  process.stdout.write(
    `| ${family} | ${Math.round(perSecond).toLocaleString('en-US')} | ${Math.round(bytes / count).toLocaleString('en-US')} B |\n`,
  );
}
// The oversized generator's own speed: bytes produced per second into a sink that drops them.
let streamed = 0;
const t0 = performance.now();
await pipeline(
  oversizedBody(declaredRequest('bench-1').json, SIZE, seeded(2)).stream(),
  new Writable({
    write(chunk: Buffer, _e, done) {
      streamed += chunk.length;
      done();
    },
  }),
);
process.stdout.write(
  `\noversized generator: ${(streamed / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(2)} s (${(streamed / 1e6 / ((performance.now() - t0) / 1000)).toFixed(0)} MB/s)\n`,
);
