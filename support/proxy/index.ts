// The fault proxy's public entry (`faultline/proxy`): what a program needs to embed the Toxiproxy-compatible
// server or to drive any Toxiproxy-API server (ours or Shopify's) — and nothing else. The proxy is a
// product of its own, so it has its own entry: importing it loads neither cucumber nor the backends.

export { TOXIPROXY_VERSION } from './api.ts';
export {
  type NewToxic,
  type Proxy,
  parseListen,
  type Toxic,
  ToxiproxyClient,
  ToxiproxyError,
} from './client.ts';
export { type ProxyServerOptions, type RunningProxyServer, startProxyServer } from './server.ts';
