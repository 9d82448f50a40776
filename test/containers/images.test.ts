import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureImage, imageLabels } from '../../support/env/containers/images/build.ts';
import { offlineRedis, platformFiles } from '../../support/env/containers/images/catalog.ts';
import { importedPackages, runtimeClosure } from '../../support/env/containers/images/closure.ts';
import { TarArchive } from '../../support/env/containers/images/tar.ts';
import { LABEL } from '../../support/env/containers/runtime.ts';
import { needsEngine } from './engine.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('the tar writer sets owners and modes, keeps symlinks and long paths, and tar reads it back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-tar-'));
  try {
    const host = join(dir, 'host-file');
    writeFileSync(host, 'hello');
    const long = `deep/${'x'.repeat(60)}/${'y'.repeat(60)}/file.txt`;
    const archive = new TarArchive()
      .dir('/data', { uid: 999, gid: 999, mode: 0o700 })
      .hostFile('/usr/bin/tool', host, { mode: 0o755 })
      .data(long, 'long')
      .symlink('/bin/sh', 'busybox');
    const out = join(dir, 'out.tar');
    await pipeline(archive.stream(), createWriteStream(out));
    const listing = execFileSync('tar', ['-tvf', out, '--numeric-owner'], { encoding: 'utf8' });
    assert.match(listing, /^drwx------ 999\/999 .* data\/$/m);
    assert.match(listing, /^-rwxr-xr-x 0\/0 +5 .* usr\/bin\/tool$/m);
    assert.match(listing, /^lrwxrwxrwx 0\/0 .* bin\/sh -> busybox$/m);
    assert.ok(listing.includes(long), `long path missing:\n${listing}`);
    // Parents are created, every path once.
    const names = execFileSync('tar', ['-tf', out], { encoding: 'utf8' }).trim().split('\n');
    assert.ok(names.includes('usr/') && names.includes('usr/bin/'), names.join('\n'));
    assert.equal(new Set(names).size, names.length);
    const extracted = join(dir, 'x');
    execFileSync('mkdir', [extracted]);
    execFileSync('tar', ['-xf', out, '-C', extracted, long]);
    assert.equal(execFileSync('cat', [join(extracted, long)], { encoding: 'utf8' }), 'long');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the platform image takes the closure of what its files import, without the container tooling', async () => {
  const closure = runtimeClosure(ROOT, importedPackages(ROOT, await platformFiles()));
  for (const wanted of [
    'node_modules/cockatiel',
    'node_modules/zod',
    'node_modules/pg',
    'node_modules/ioredis',
    'node_modules/pino',
    'node_modules/pg-protocol',
  ])
    assert.ok(closure.includes(wanted), `${wanted} missing`);
  assert.ok(
    !closure.some((p) =>
      /node_modules\/(testcontainers|@testcontainers|dockerode|@biomejs|typescript|vega|allure)/.test(p),
    ),
  );
});

test('an offline image is made once: the same inputs make no new build', { timeout: 120_000 }, async (t) => {
  if (!(await needsEngine(t))) return;
  const spec = offlineRedis();
  await ensureImage(spec);
  const again = await ensureImage(offlineRedis());
  assert.equal(again.built, false, 'an unchanged redis image was built again');
  assert.equal((await imageLabels(spec.name))?.[LABEL.contentHash], spec.hash);
});
