// Real PostgreSQL for integration tests: a throwaway schema per test file, dropped afterwards.
// Where no server answers, the tests that need it skip with this message (CI starts one).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    console.warn(`PostgreSQL at ${TEST_DATABASE_URL} is not reachable (${(err as Error).message}): skipping PostgreSQL tests`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export function randomSchema(tag = 'test'): string {
  return `nftest_${tag}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
