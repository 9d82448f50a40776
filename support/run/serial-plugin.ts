import type { Plugin } from '@cucumber/cucumber/api';
import { serialLast } from './serial.ts';

// A cucumber plugin (cucumber.js: `plugin`) that queues @serial scenarios after every other one; why the
// order matters is in support/run/serial.ts. Ordering only: which scenarios run is up to tags and paths.

const plugin: Plugin = {
  type: 'plugin',
  coordinator(context) {
    context.transform('pickles:order', (pickles) => serialLast(pickles));
  },
};

export default plugin;
