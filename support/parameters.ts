import { defineParameterType } from '@cucumber/cucumber';
import { parseDuration, parsePercent } from './parse.ts';

// Loose patterns on purpose: "30 parsecs" still matches {duration} and is then rejected with a message
// that says what is accepted, instead of surfacing as an undefined step.
defineParameterType({
  name: 'duration',
  regexp: /\d+(?:\.\d+)?\s*[a-zA-Z]+/,
  transformer: parseDuration,
});

defineParameterType({
  name: 'percent',
  regexp: /\d+(?:\.\d+)?\s*%/,
  transformer: parsePercent,
});
