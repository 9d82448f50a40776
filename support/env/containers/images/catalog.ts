import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresBinDir, redisServerBinary } from '../../local/binaries.ts';
import {
  type BuiltImage,
  commitRun,
  ensureImage,
  hashOf,
  type ImageSpec,
  imageId,
  importArchive,
  layeredImage,
  rootfsImage,
} from './build.ts';
import { importedPackages, runtimeClosure } from './closure.ts';
import { Rootfs, SHELL_APPLETS } from './rootfs.ts';
import { TarArchive } from './tar.ts';

// Every image the containers backend runs that faultline makes itself, and what each is made from.
// Bumping BUILDER remakes them all (e.g. after a change to how root filesystems are assembled).

const BUILDER = '2';
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCRIPTS = join(ROOT, 'scripts/images');

/** Credentials of the cluster baked into the offline postgres image (what the backend asks for). */
export const PG_BAKED = { user: 'faultline', password: 'faultline', database: 'faultline' } as const;

const fileText = (path: string) => readFileSync(path, 'utf8');

function stamp(path: string): string {
  const s = statSync(path);
  return `${path}\t${s.size}\t${Math.round(s.mtimeMs)}`;
}

/** redis-server of this machine, with busybox for Testcontainers' in-container port checks. */
export function offlineRedis(): ImageSpec {
  const server = redisServerBinary();
  const major = execFileSync(server, ['--version'], { encoding: 'utf8' }).match(/v=(\d+)\./)?.[1] ?? 'host';
  const changes = [
    'WORKDIR /data',
    'USER 999:999',
    'EXPOSE 6379',
    'CMD ["redis-server", "--protected-mode", "no"]',
  ];
  const archive = () =>
    new Rootfs()
      .binary(server, '/usr/bin/redis-server')
      .busybox(SHELL_APPLETS)
      .accounts([{ name: 'redis', id: 999, home: '/data' }])
      .dir('/data', { uid: 999, gid: 999 }).tar;
  return rootfsImage(
    {
      name: `faultline-offline/redis:${major}`,
      kind: 'redis',
      hash: hashOf([BUILDER, ...changes, ...archive().fingerprint()]),
    },
    archive,
    changes,
  );
}

/** postgres of this machine (binaries, modules, share data), with a cluster initialised at build time. */
export function offlinePostgres(): ImageSpec {
  const bin = postgresBinDir();
  const major = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).match(/(\d+)/)?.[1];
  const lib = execFileSync(join(bin, 'pg_config'), ['--pkglibdir'], { encoding: 'utf8' }).trim();
  const share = execFileSync(join(bin, 'pg_config'), ['--sharedir'], { encoding: 'utf8' }).trim();
  const entrypoint = join(SCRIPTS, 'postgres-entrypoint.sh');
  const changes = [
    `ENV PATH=${bin}:/usr/local/bin:/usr/bin:/bin`,
    'ENV PGDATA=/var/lib/postgresql/data',
    'ENV TZ=UTC',
    'USER 999:999',
    'EXPOSE 5432',
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
    'CMD ["postgres"]',
  ];
  const archive = () => {
    const tools = ['postgres', 'initdb', 'pg_ctl', 'pg_isready', 'psql'].map((t) => join(bin, t));
    const modules = existsSync(lib)
      ? readdirSync(lib)
          .filter((m) => m.endsWith('.so') && !m.startsWith('llvmjit'))
          .map((m) => join(lib, m))
      : [];
    const fs = new Rootfs().binaries([...tools, ...modules].map((p): [string, string] => [p, p]));
    fs.tree(share);
    if (existsSync('/usr/share/zoneinfo')) fs.tree('/usr/share/zoneinfo');
    fs.busybox(SHELL_APPLETS).accounts([{ name: 'postgres', id: 999, home: '/var/lib/postgresql' }]);
    fs.dir('/var/run/postgresql', { uid: 999, gid: 999, mode: 0o2775 });
    fs.dir('/var/lib/postgresql', { uid: 999, gid: 999 });
    fs.dir('/var/lib/postgresql/data', { uid: 999, gid: 999, mode: 0o700 });
    fs.file('/usr/local/bin/docker-entrypoint.sh', fileText(entrypoint), 0o755);
    return fs.tar;
  };
  const name = `faultline-offline/postgres:${major ?? 'host'}`;
  const hash = hashOf([BUILDER, ...changes, fileText(entrypoint), ...archive().fingerprint()]);
  return {
    name,
    kind: 'postgres',
    hash,
    async make(docker, labels) {
      const changesWithLabels = [...changes, ...Object.entries(labels).map(([k, v]) => `LABEL ${k}=${v}`)];
      const unbaked = await importArchive(docker, archive().stream(), changesWithLabels);
      const { user, password, database } = PG_BAKED;
      await commitRun(
        docker,
        unbaked,
        { cmd: ['--bake', user, password, database] },
        changesWithLabels,
        name,
      );
    },
  };
}

/** The node binary running faultline right now (Linux only), as a base for the platform image. */
export function offlineNode(): ImageSpec {
  if (process.platform !== 'linux')
    throw new Error(
      `the offline node image is assembled from this machine's node binary, which only works on Linux (this is ${process.platform}); ` +
        'set FAULTLINE_NODE_IMAGE to a node 24 image your engine can pull',
    );
  const changes = ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'WORKDIR /app', 'CMD ["node"]'];
  const archive = () =>
    new Rootfs()
      .binary(process.execPath, '/usr/local/bin/node')
      .busybox(SHELL_APPLETS)
      .accounts([{ name: 'node', id: 1000, home: '/app' }])
      .dir('/app').tar;
  return rootfsImage(
    {
      name: `faultline-offline/node:${process.versions.node}`,
      kind: 'node',
      hash: hashOf([BUILDER, ...changes, stamp(process.execPath), ...archive().fingerprint()]),
    },
    archive,
    changes,
  );
}

/** Files under the given directories of the checkout (no dot-entries, no node_modules), sorted. */
function sourceFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(ROOT, path));
    }
  };
  for (const dir of dirs) if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  return out.sort();
}

/** Directories taken whole into the platform image; of support/, only what the services import. */
const PLATFORM_DIRS = ['bin', 'fixtures'];

const RELATIVE_IMPORT = /(?:\bfrom\s+|\bimport\s+|\bimport\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Files reachable from `roots` through relative static or literal dynamic imports (paths from ROOT). */
function importClosure(roots: string[]): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file) || !existsSync(join(ROOT, file))) continue;
    seen.add(file);
    for (const m of fileText(join(ROOT, file)).matchAll(RELATIVE_IMPORT))
      queue.push(relative(ROOT, join(ROOT, file, '..', m[1]!)));
  }
  return [...seen];
}

/** What goes into the platform image besides node_modules: bin/, fixtures/, and the support/ they import. */
export async function platformFiles(): Promise<string[]> {
  const whole = sourceFiles(PLATFORM_DIRS);
  const roots = [...whole.filter((f) => f.endsWith('.ts')), ...(await entries())];
  const imported = importClosure(roots).filter((f) => !whole.includes(f));
  return ['package.json', ...whole, ...imported.sort()];
}

const COMPILE_CACHE = '/app/.node-compile-cache';

/** Settings every platform image carries (on the dependencies layer; the sources layer inherits them). */
const PLATFORM_CHANGES = [
  'WORKDIR /app',
  'ENV NODE_ENV=production',
  // Filled when the sources layer is made (see warmCompileCache): a node service then starts with its
  // modules already type-stripped and compiled, about a third less CPU per start.
  `ENV NODE_COMPILE_CACHE=${COMPILE_CACHE}`,
  'USER 1000:1000',
  'ENTRYPOINT ["node"]',
  'CMD []',
];

/** Entry scripts: the fault proxy's command and every service's main.ts under fixtures/. */
async function entries(): Promise<string[]> {
  const services = sourceFiles(['fixtures']).filter((f) => f.endsWith('/main.ts'));
  return ['bin/commands/proxy.ts', ...services].sort();
}

/**
 * Node arguments (run in the image) that import what each entry imports, without running the entry itself,
 * so the compile cache holds the module graph of every service when the image is committed.
 */
function warmCompileCache(entryPaths: string[]): string[] {
  const code = `
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const specifiers = new Set();
for (const entry of ${JSON.stringify(entryPaths)}) {
  const base = pathToFileURL('/app/' + entry);
  const source = readFileSync(base, 'utf8');
  const found = [
    ...source.matchAll(/^\\s*import\\s+(?!type\\s)(?:[^'"]*?\\sfrom\\s+)?['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\\bimport\\(\\s*['"]([^'"]+)['"]\\s*\\)/g),
  ];
  for (const m of found)
    specifiers.add(m[1].startsWith('.') ? new URL(m[1], base).href : m[1]);
}
const results = await Promise.allSettled([...specifiers].map((s) => import(s)));
console.log('warmed ' + results.filter((r) => r.status === 'fulfilled').length + ' of ' + specifiers.size + ' imports');
`;
  return ['--input-type=module', '-e', code];
}

/**
 * The platform's runtime dependencies (the closure in package-lock.json of what `files` import, taken from
 * this checkout's node_modules) on a node image, in their own layer, so a source edit remakes only the
 * small layer above it.
 */
export function platformDeps(nodeImage: string, nodeImageId: string, files: string[]): ImageSpec {
  const closure = runtimeClosure(ROOT, importedPackages(ROOT, files));
  const hash = hashOf([
    BUILDER,
    ...PLATFORM_CHANGES,
    nodeImageId,
    fileText(join(ROOT, 'package-lock.json')),
    ...closure,
  ]);
  return layeredImage(
    { name: `faultline/platform-deps:${hash.slice(0, 12)}`, kind: 'platform-deps', hash },
    nodeImage,
    () => {
      const tar = new TarArchive().dir('/app').dir(COMPILE_CACHE, { uid: 1000, gid: 1000 });
      for (const path of closure) tar.hostTree(`/app/${path}`, join(ROOT, path));
      return tar;
    },
    PLATFORM_CHANGES,
  );
}

/** The reference platform (controller, workers) and faultline's fault proxy: this checkout's sources. */
export async function platform(depsImage: string): Promise<ImageSpec> {
  const files = await platformFiles();
  const warm = warmCompileCache(await entries());
  const hash = hashOf([BUILDER, depsImage, ...warm, ...files.flatMap((f) => [f, fileText(join(ROOT, f))])]);
  return layeredImage(
    { name: `faultline/platform:${hash.slice(0, 12)}`, kind: 'platform', hash },
    depsImage,
    () => {
      const tar = new TarArchive();
      for (const file of files) tar.hostFile(`/app/${file}`, join(ROOT, file), { mode: 0o644 });
      return tar;
    },
    [],
    warm,
  );
}

/** faultline's fault proxy: the platform image with the proxy as its entrypoint (a drop-in for Toxiproxy). */
export function proxy(platformImage: string): ImageSpec {
  const changes = [
    'EXPOSE 8474',
    'ENTRYPOINT ["node", "bin/faultline.ts", "proxy"]',
    'CMD ["--host", "0.0.0.0", "--port", "8474"]',
  ];
  return layeredImage(
    {
      name: `faultline/proxy:${platformImage.split(':').pop()}`,
      kind: 'proxy',
      hash: hashOf([BUILDER, ...changes, platformImage]),
    },
    platformImage,
    undefined,
    changes,
  );
}

/** The platform chain on a node image: dependencies layer, sources layer, proxy. */
export async function buildPlatform(
  nodeImage: string,
): Promise<{ deps: BuiltImage; platform: BuiltImage; proxy: BuiltImage }> {
  const files = await platformFiles();
  const deps = await ensureImage(platformDeps(nodeImage, await imageId(nodeImage), files));
  const built = await ensureImage(await platform(deps.name));
  const proxyImage = await ensureImage(proxy(built.name));
  return { deps, platform: built, proxy: proxyImage };
}
