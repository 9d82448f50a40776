import { defineParameterType } from '@cucumber/cucumber';
import { parseDuration, parsePercent } from './parse.ts';

// Loose patterns on purpose: "30 parsecs", "thirty seconds" or "1,5 s" still match {duration} and are then
// rejected with a message that names the token and says what is accepted, instead of surfacing as an
// undefined step. Kept out of snippets: a pattern this loose would claim every word of an undefined step.
defineParameterType({
  name: 'duration',
  regexp: /\S+(?:\s+[a-zA-Z]+)?/,
  transformer: parseDuration,
  useForSnippets: false,
});

defineParameterType({
  name: 'percent',
  regexp: /\S+\s*%/,
  transformer: parsePercent,
  useForSnippets: false,
});
