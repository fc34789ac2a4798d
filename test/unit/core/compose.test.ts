// No Docker engine here: check the compose file and Dockerfile for what `docker compose up` relies on.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROLES } from '../../../src/app.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, Service>;
};

describe('docker-compose.yml', () => {
  it('runs Redis with AOF, noeviction and a health check', () => {
    const redis = compose.services.redis!;
    expect(redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(redis.healthcheck?.test.join(' ')).toContain('ping');
  });

  it('has one scalable service per role, each from the same image, waiting for a healthy Redis', () => {
    for (const role of ROLES) {
      const service = compose.services[role];
      expect(service, `service ${role}`).toBeDefined();
      expect(service!.environment?.WORKERS).toBe(role);
      expect(service!.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(service!.image).toBe('newsflow:latest');
      expect(service!.depends_on?.redis?.condition).toBe('service_healthy');
      // Scalable: no fixed container_name.
      expect(service).not.toHaveProperty('container_name');
    }
  });

  it('gives workers a stop grace period longer than the longest job', () => {
    for (const role of ROLES) {
      const grace = compose.services[role]!.stop_grace_period ?? '10s';
      expect(Number.parseInt(grace, 10)).toBeGreaterThanOrEqual(60);
    }
  });

  it('uses a Dockerfile that builds and starts the CLI', () => {
    const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "dist\/cli\.js"\]/);
    expect(dockerfile).toMatch(/COPY models/);
  });
});
