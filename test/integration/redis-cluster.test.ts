// The whole pipeline on a real three-node Redis Cluster (started here on free ports), with a
// hash-tagged prefix: BullMQ's scripts and newsflow's own multi-key commands stay in one slot.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { runDemoPipeline } from '../../src/demo/demo.js';
import { ConfigError, parseConfig } from '../../src/shared/config.js';
import { scaled } from '../helpers/time-scale.js';

const run = promisify(execFile);
const haveTools = spawnSync('redis-cli', ['--version']).status === 0 && spawnSync('redis-server', ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

describe.skipIf(!haveTools)('Redis Cluster', () => {
  const nodes: ChildProcess[] = [];
  const ports: number[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nf-cluster-'));
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      ports.push(port);
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      nodes.push(
        spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
          '--dir', nodeDir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }),
      );
    }
    for (const port of ports) {
      for (let i = 0; i < 50; i++) {
        const ok = await run('redis-cli', ['-p', String(port), 'ping']).then((r) => r.stdout.includes('PONG'), () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (let i = 0; i < 100; i++) {
      const states = await Promise.all(ports.map((p) => run('redis-cli', ['-p', String(p), 'cluster', 'info']).then((r) => r.stdout)));
      if (states.every((s) => s.includes('cluster_state:ok'))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, scaled(60_000));

  afterAll(() => {
    for (const node of nodes) node.kill('SIGKILL');
  });

  it('refuses a prefix without a hash tag on a cluster URL', () => {
    const url = `redis-cluster://127.0.0.1:${ports[0]}`;
    expect(() => parseConfig({ redis: { url, prefix: 'newsflow' } }, 'test', {})).toThrow(ConfigError);
    expect(() => parseConfig({ redis: { url, prefix: '{newsflow}' } }, 'test', {})).not.toThrow();
  });

  it('runs the demo end to end on the cluster, exactly once', async () => {
    const url = `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
    const result = await runDemoPipeline({ outDir: mkdtempSync(join(tmpdir(), 'nf-cluster-out-')), timeoutMs: 90_000, redisUrl: url, print: () => {} });
    expect(result.failed).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.articles).toHaveLength(6);
    const stories = new Map<string, number>();
    for (const a of result.articles) stories.set(a.story, (stories.get(a.story) ?? 0) + 1);
    expect([...stories.values()].sort()).toEqual([1, 1, 1, 1, 2]);
    // The demo cleaned up after itself on every node.
    for (const port of ports) {
      const node = new Redis(port, '127.0.0.1');
      expect(await node.keys('{newsflow-demo-*')).toEqual([]);
      node.disconnect();
    }
  }, scaled(120_000));
});
