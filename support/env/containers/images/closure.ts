import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Which installed packages the platform and the fault proxy need at run time: the closure, through
// package-lock.json, of the packages the image's own files import, resolved the way Node resolves them
// (nearest node_modules first). Not package.json's dependencies: those are what the published faultline
// needs (cucumber's reporters, charts), while the image holds the reference platform, whose libraries
// (cockatiel, zod) faultline itself never loads. The harness-only packages (the container tooling itself)
// are left out.

interface LockEntry {
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Packages only the harness uses: never inside the images. */
export const HARNESS_ONLY = [/^testcontainers$/, /^@testcontainers\//];

function resolveFrom(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

// A static import, a re-export or a literal dynamic import of a package (not a relative path, not node:).
const PACKAGE_IMPORT =
  /(?:\bfrom\s+|\bimport\s+|\bimport\(\s*)['"]((?:@[^'"/]+\/)?[^'"./][^'"/]*)[^'"]*['"]/g;
// Type-only imports and exports vanish when Node strips the types: they need nothing installed.
const TYPE_ONLY = /^\s*(?:import|export)\s+type\s[^;]*;/gm;

/** Names of the packages the given files (paths from root) load at run time, sorted. */
export function importedPackages(root: string, files: string[]): string[] {
  const names = new Set<string>();
  for (const file of files) {
    if (!/\.(?:ts|js|mjs)$/.test(file)) continue;
    const code = readFileSync(join(root, file), 'utf8').replace(TYPE_ONLY, '');
    for (const m of code.matchAll(PACKAGE_IMPORT)) if (!m[1]!.startsWith('node:')) names.add(m[1]!);
  }
  return [...names].sort();
}

/**
 * Paths (relative to root, e.g. node_modules/pg) to copy for the packages `roots` and everything they
 * depend on; nested packages are covered by their parent.
 */
export function runtimeClosure(root: string, roots: string[]): string[] {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, LockEntry>;
  };
  const packages = lock.packages ?? {};
  const wanted = new Set<string>();
  const queue: [string, string][] = roots
    .filter((name) => !HARNESS_ONLY.some((re) => re.test(name)))
    .map((name) => ['', name]);
  while (queue.length > 0) {
    const [from, name] = queue.shift()!;
    const path = resolveFrom(packages, from, name);
    if (!path || wanted.has(path) || !existsSync(join(root, path))) continue;
    wanted.add(path);
    const entry = packages[path]!;
    for (const deps of [entry.dependencies, entry.optionalDependencies, entry.peerDependencies])
      for (const dep of Object.keys(deps ?? {})) queue.push([path, dep]);
  }
  const sorted = [...wanted].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(`${q}/`)));
}
