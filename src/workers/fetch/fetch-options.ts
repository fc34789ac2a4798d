// The fetch stage's HTTP settings, from config: the SSRF guard (network.allow), timeouts, body
// cap and User-Agent, and the per-host politeness gate. One guard per config object.
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config.js';
import type { Keys } from '../../shared/keys.js';
import { httpGet, type HttpGetOptions, type HttpResponse } from '../../shared/http.js';
import { createNetGuard, type NetGuard } from '../../shared/net-guard.js';
import { createHostGate, type HostGate } from './host-gate.js';

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
  opts: Omit<HttpGetOptions, 'guard' | 'timeoutMs' | 'userAgent'> = {},
): Promise<HttpResponse> {
  return httpGet(url, {
    ...opts,
    guard: guardFor(config),
    timeoutMs: config.network.timeout,
    // A larger cap only where a caller knows it needs one (sitemaps: sitemaps.maxBytes).
    maxBytes: opts.maxBytes ?? config.network.maxBytes,
    ...(config.network.userAgent ? { userAgent: config.network.userAgent } : {}),
  });
}

/** A host gate for per-host politeness (fetch.perHost); it keeps no state outside Redis. */
export function hostGateFor(deps: { config: Config; redis: Redis; keys: Keys }): HostGate {
  return createHostGate(deps.redis, deps.keys, {
    concurrency: deps.config.fetch.perHost.concurrency,
    minIntervalMs: deps.config.fetch.perHost.minInterval,
    // Long enough for robots.txt and the page, each bounded by network.timeout.
    leaseMs: 2 * deps.config.network.timeout + 5_000,
  });
}
