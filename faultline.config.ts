// The systems this repository's own features target: its reference platform, declared in fixtures/ through
// the public API exactly as a team declares theirs in its faultline.config.ts.
import { referencePlatform } from './fixtures/platform/system.ts';
import { defineConfig } from './support/index.ts';

export default defineConfig({ systems: { 'reference-platform': referencePlatform } });
