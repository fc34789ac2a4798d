// One Redis factory. Workers block on Redis and must never give up a command
// (maxRetriesPerRequest: null); producers and the CLI fail fast when Redis is away.
//
// Redis Cluster: a URL of the form `redis-cluster://host1:7000,host2:7001` (password as in
// redis://, on the first node) connects to a cluster through ioredis' Cluster client. BullMQ's Lua
// scripts need every key of a queue in one slot, so the prefix must then be hash-tagged
// (`{newsflow}`); newsflow's own keys live under the same prefix and share that slot.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export type RedisRole = 'worker' | 'producer';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const CLUSTER_SCHEME = 'redis-cluster://';

export function isClusterUrl(url: string): boolean {
  return url.startsWith(CLUSTER_SCHEME);
}

/** A hash-tagged prefix (`{...}`), as Redis Cluster needs. */
export function isHashTagged(prefix: string): boolean {
  return /^\{[^{}]+\}/.test(prefix);
}

function clusterNodes(url: string): { nodes: { host: string; port: number }[]; username?: string; password?: string } {
  const rest = url.slice(CLUSTER_SCHEME.length);
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const nodes = hosts
    .split(',')
    .map((h) => h.trim().replace(/\/.*$/, ''))
    .filter(Boolean)
    .map((h) => {
      const [host, port] = h.split(':');
      return { host: host || '127.0.0.1', port: Number(port || 6379) };
    });
  if (!nodes.length) throw new Error(`no nodes in ${url}`);
  const [username, password] = auth.includes(':') ? auth.split(':') : [undefined, auth || undefined];
  return { nodes, username: username ? decodeURIComponent(username) : undefined, password: password ? decodeURIComponent(password) : undefined };
}

/**
 * A client for `url`. The Cluster client is typed as Redis: it offers the same commands, and every
 * multi-key command newsflow sends stays within its prefix's slot.
 */
export function createRedis(url: string, role: RedisRole, name?: string, onError?: (err: Error) => void): Redis {
  const opts: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 2, enableOfflineQueue: false, connectTimeout: 5_000 };
  if (name) opts.connectionName = name;
  let redis: Redis;
  if (isClusterUrl(url)) {
    const { nodes, username, password } = clusterNodes(url);
    const clusterOpts: ClusterOptions = {
      redisOptions: { ...opts, ...(username ? { username } : {}), ...(password ? { password } : {}) },
      lazyConnect: role === 'producer',
      enableOfflineQueue: role === 'worker',
      ...(role === 'worker' ? { maxRetriesPerRequest: null } : {}),
    };
    redis = new Cluster(nodes, clusterOpts) as unknown as Redis;
  } else {
    redis = new Redis(url, { ...opts, lazyConnect: role === 'producer' });
  }
  // An unhandled 'error' event would crash the process; ioredis reconnects by itself, so report
  // (throttled) and carry on.
  let lastReport = 0;
  redis.on('error', (err: Error) => {
    if (!onError || Date.now() - lastReport < 10_000) return;
    lastReport = Date.now();
    onError(err);
  });
  return redis;
}

/** Connect a producer-role client and fail with a clear message when nothing answers. */
export async function connectProducer(url: string, name?: string): Promise<Redis> {
  const redis = createRedis(url, 'producer', name);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  return redis;
}

/** Every node to scan for keys: the masters of a cluster (once it knows them), or the client itself. */
async function scanTargets(redis: Redis): Promise<Redis[]> {
  const cluster = redis as unknown as Cluster;
  if (!cluster.isCluster) return [redis];
  if (cluster.status !== 'ready') await new Promise((ready) => cluster.once('ready', ready));
  return cluster.nodes('master');
}

/** Delete every key under `prefix` (all masters of a cluster). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for (const node of await scanTargets(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      // One key per DEL: keys found on one node may still span slots.
      for (const key of keys) deleted += await node.del(key);
    } while (cursor !== '0');
  }
  return deleted;
}

/** Hide the password in a redis:// URL for logs and messages. */
export function redactUrl(url: string): string {
  if (isClusterUrl(url)) return url.replace(/\/\/[^@/]*@/, '//***@');
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
