import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository runs its TypeScript natively (every module ends in .ts) while the published package runs
// the compiled JavaScript in dist/ (every module ends in .js). A file that starts another module as a
// child process names it by path, which no compiler rewrites: it asks here for the path with the
// extension of the file asking, so the same source works in both places.

/**
 * Absolute path of the module `relativePath` (written without an extension, relative to `from`, an
 * `import.meta.url`), with the extension `from` itself has (.ts in the repository, .js in dist/).
 */
export function modulePath(from: string, relativePath: string): string {
  if (extname(relativePath) !== '')
    throw new Error(
      `modulePath("${relativePath}"): give the module path without an extension; it takes the one of ${from}`,
    );
  const extension = extname(new URL(from).pathname);
  return fileURLToPath(new URL(`${relativePath}${extension}`, from));
}
