// The two seed articles (one story from two outlets) live outside the repository; tests that
// need them skip with a message when the folder is absent.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SEEDS_DIR = process.env.NEWSFLOW_SEEDS ?? resolve(process.cwd(), '../shared/seeds');

export interface Seed {
  id: string;
  title: string;
  text: string;
}

export function loadSeeds(): Seed[] | null {
  if (!existsSync(SEEDS_DIR)) return null;
  const files = readdirSync(SEEDS_DIR).filter((f) => f.endsWith('.txt')).sort();
  return files.map((f) => {
    const [title = '', ...rest] = readFileSync(join(SEEDS_DIR, f), 'utf8').split('\n');
    return { id: f.replace(/\.txt$/, ''), title: title.trim(), text: rest.join('\n').trim() };
  });
}

export const seedsMissing = (): string => `seed articles not found at ${SEEDS_DIR} (set NEWSFLOW_SEEDS)`;
