// The systems your experiments run against. This one is the example `npx faultline init` wrote: an HTTP
// api (services/api.mjs) in front of a backend (services/backend.mjs), both plain Node scripts. Replace it
// with your own services: `service(name, { command })` runs any command line, `redis()` and `postgres()`
// start those stores, `container(name, { image, port })` runs any image (containers backend).
import { defineConfig, defineSystem, http, service, wait } from 'faultline';

export default defineConfig({
  systems: {
    shop: defineSystem({
      services: [
        service('backend', {
          command: ['node', 'services/backend.mjs'],
          // faultline picks a free port and passes it in PORT (the default): tell it when the service is up.
          readiness: wait.forHttp('/health'),
        }),
        service('api', {
          command: ['node', 'services/api.mjs'],
          // w.address('backend') is the address through which the api reaches the backend: a link of the
          // fault proxy, which is what the features partition and slow. Links come from calls like this one.
          env: (w) => ({
            BACKEND_ADDRESS: w.address('backend'),
            ATTEMPT_TIMEOUT_MS: '250',
            ATTEMPTS: '2',
          }),
          readiness: wait.forHttp('/health'),
        }),
      ],
      // What load steps send: "clients submit catalog reads", "clients submit orders". `{{id}}` becomes
      // each operation's unique id.
      operations: {
        'catalog read': http({ service: 'api', method: 'GET', path: '/catalog' }),
        order: http({ service: 'api', method: 'POST', path: '/orders', json: { id: '{{id}}', sku: 'tea' } }),
      },
    }),
  },
});
