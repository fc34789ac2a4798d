// No Docker engine here: check the compose file and Dockerfile for what `docker compose up` relies on.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROLES } from '../../../src/app.js';

interface Service {
  profiles?: string[];
  ports?: string[];
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
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

  it('checks every worker container through its health endpoint', () => {
    for (const role of ROLES) {
      const service = compose.services[role]!;
      const port = role === 'dashboard' ? '3000' : service.environment?.METRICS_PORT;
      expect(port, `${role} serves health`).toBeTruthy();
      expect(service.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${port}/healthz`);
    }
  });

  it('offers PostgreSQL in an optional profile and publishes the dashboard on loopback only', () => {
    expect(compose.services.postgres?.profiles).toEqual(['postgres']);
    expect(compose.services.dashboard?.ports).toEqual(['127.0.0.1:3000:3000']);
  });

  it('uses a Dockerfile that builds and starts the CLI', () => {
    const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toMatch(/npm install --ignore-scripts/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "dist\/cli\.js"\]/);
    expect(dockerfile).toMatch(/COPY models/);
  });
});
