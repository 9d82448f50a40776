import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Which installed packages the platform and the fault proxy need at run time: the closure of
// package.json's dependencies through package-lock.json, resolved the way Node resolves them (nearest
// node_modules first). The harness-only packages (the container tooling itself) are left out.

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

/** Paths (relative to root, e.g. node_modules/pg) to copy; nested packages are covered by their parent. */
export function runtimeClosure(root: string): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, LockEntry>;
  };
  const packages = lock.packages ?? {};
  const wanted = new Set<string>();
  const queue: [string, string][] = Object.keys(manifest.dependencies ?? {})
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
