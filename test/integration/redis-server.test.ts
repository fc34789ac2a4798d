// `npm start` without REDIS_URL: start a redis-server child (AOF on) or say what to install.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ensureRedis, RedisNotInstalledError } from '../../src/shared/redis-server.js';

describe('ensureRedis', () => {
  it('uses an explicit URL as is', async () => {
    const handle = await ensureRedis({ url: 'redis://example.invalid:6379' });
    expect(handle).toMatchObject({ url: 'redis://example.invalid:6379', owned: false });
  });

  it('starts its own redis-server with AOF data in the given folder, and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nf-redis-'));
    const handle = await ensureRedis({ dataDir: dir, anyPort: true, reuseLocal: false });
    expect(handle.owned).toBe(true);
    const client = new Redis(handle.url, { maxRetriesPerRequest: 1 });
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    client.disconnect();
    await handle.stop();
    expect(existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('appendonly'))).toBe(true);
    const probe = new Redis(handle.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    probe.on('error', () => {});
    await expect(probe.connect()).rejects.toThrow();
  });

  it('says exactly what to install when there is no redis-server', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const err = await ensureRedis({ anyPort: true, reuseLocal: false, dataDir: mkdtempSync(join(tmpdir(), 'nf-')) }).catch((e) => e);
      expect(err).toBeInstanceOf(RedisNotInstalledError);
      expect(err.message).toContain('apt-get install redis-server');
      expect(err.message).toContain('REDIS_URL');
      expect(err.message).toContain('docker compose up');
    } finally {
      process.env.PATH = path;
    }
  });
});
