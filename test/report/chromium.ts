import { existsSync } from 'node:fs';

// Debian's chromium (scripts/setup.mjs installs it when root), driven by playwright-core: no browser
// download. FAULTLINE_CHROMIUM names another binary.
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

export function chromiumPath(): string | undefined {
  const configured = process.env.FAULTLINE_CHROMIUM;
  if (configured) return configured;
  return CANDIDATES.find((p) => existsSync(p));
}
