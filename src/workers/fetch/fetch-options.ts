// The fetch stage's HTTP settings, from config: the SSRF guard (network.allow), timeouts, body
// cap and User-Agent. One guard per config object, built once.
import type { Config } from '../../shared/config.js';
import { httpGet, type HttpGetOptions, type HttpResponse } from '../../shared/http.js';
import { createNetGuard, type NetGuard } from '../../shared/net-guard.js';

const guards = new WeakMap<Config, NetGuard>();

export function guardFor(config: Config): NetGuard {
  let guard = guards.get(config);
  if (!guard) {
    guard = createNetGuard(config.network.allow);
    guards.set(config, guard);
  }
  return guard;
}

export function fetchWithConfig(
  config: Config,
  url: string,
  opts: Omit<HttpGetOptions, 'guard' | 'timeoutMs' | 'maxBytes' | 'userAgent'> = {},
): Promise<HttpResponse> {
  return httpGet(url, {
    ...opts,
    guard: guardFor(config),
    timeoutMs: config.network.timeout,
    maxBytes: config.network.maxBytes,
    ...(config.network.userAgent ? { userAgent: config.network.userAgent } : {}),
  });
}
