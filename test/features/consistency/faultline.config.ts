// The reference platform with a deliberately wrong read-back of its conversions: how the consistency
// detection-power tests show that the set and queue checkers fail when the records disagree with what the
// clients were told. FAULTLINE_TEST_READ_BACK picks the mistake: drop (the first charge is missing: a lost
// conversion), double (the first charge read twice: a duplicate) or phantom (a charge no client asked for).
import { referencePlatform } from '../../../fixtures/platform/system.ts';
import {
  defineConfig,
  defineSystem,
  type RecordedEffect,
  type SystemDeclaration,
} from '../../../support/index.ts';

const OPERATION = 'document conversion request';
const mistake = process.env.FAULTLINE_TEST_READ_BACK ?? 'drop';
if (!['drop', 'double', 'phantom'].includes(mistake))
  throw new Error(`FAULTLINE_TEST_READ_BACK=${mistake}: expected drop, double or phantom`);

function wrong(effects: RecordedEffect[]): RecordedEffect[] {
  const sorted = [...effects].sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  const first = sorted[0];
  if (!first) return sorted;
  if (mistake === 'drop') return sorted.slice(1);
  if (mistake === 'double') return [...sorted, first];
  return [...sorted, { id: 'phantom-never-requested', at: first.at }];
}

const source = referencePlatform.source;
export default defineConfig({
  systems: {
    'reference-platform': defineSystem((scale) => {
      // The platform's prepare() sets adapters on its own declaration object: wrap that object, never a copy.
      const declaration: SystemDeclaration = typeof source === 'function' ? source(scale) : source;
      const records = declaration.records?.[OPERATION];
      if (!records) throw new Error(`the reference platform declares no records for '${OPERATION}'`);
      declaration.records = {
        [OPERATION]: { ...records, effects: async (...args) => wrong(await records.effects(...args)) },
      };
      return declaration;
    }),
  },
});
