// The folder layout is the map of dependencies: every import in src runs down the house, and no
// import circle exists. Reads every import (static, type-only and dynamic) of every file in src.
//
// Floors, top to bottom:
//   cli (src/cli.ts, src/cli/)    the `newsflow` command: may import anything below
//   app (src/app.ts, src/index.ts, src/demo/), dashboard (src/dashboard/)
//                                 composing the pipeline; the dashboard is an app over queues
//                                 and the stages' read models
//   stages (src/workers/<stage>/) fetch, readability, classify, store: never one another
//   workers core (src/workers/*.ts) the runner and what every stage shares; handlers.ts is the
//                                 one file that names every stage (lazily)
//   queues (src/queues/)          catalog, factory, schedules, metrics
//   shared (src/shared/)          imports no other part of src
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../../src/shared/paths.js';

const SRC = packagePath('src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of a file, resolved to a src path (`./x.js` is `./x.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts'));
}

type Floor = 'shared' | 'queues' | 'core' | 'compose' | `stage:${string}` | 'dashboard' | 'app' | 'cli';

function floorOf(file: string): Floor {
  const rel = relative(SRC, file).split('/');
  if (rel[0] === 'shared') return 'shared';
  if (rel[0] === 'queues') return 'queues';
  if (rel[0] === 'workers') return rel.length === 2 ? (rel[1] === 'handlers.ts' ? 'compose' : 'core') : `stage:${rel[1]}`;
  if (rel[0] === 'dashboard') return 'dashboard';
  if (rel[0] === 'cli' || rel[0] === 'cli.ts') return 'cli';
  return 'app';
}

/** May a file on `from` import one on `to`? */
function allowed(from: Floor, to: Floor): boolean {
  const rank = (f: Floor) => (f === 'shared' ? 0 : f === 'queues' ? 1 : f === 'core' ? 2 : f.startsWith('stage:') ? 3 : f === 'compose' ? 4 : f === 'dashboard' ? 5 : f === 'app' ? 6 : 7);
  if (from.startsWith('stage:') && to.startsWith('stage:')) return from === to;
  if (from === 'dashboard' && to === 'compose') return false;
  return rank(to) < rank(from) || from === to;
}

/** Import circles: Tarjan's strongly connected components of more than one file. */
function circles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('layering', () => {
  const graph = new Map(files(SRC).map((f) => [f, importsOf(f)]));

  it('reads imports of every kind (a check that could not see them would pass anything)', () => {
    expect(graph.size).toBeGreaterThan(80);
    const handlers = graph.get(join(SRC, 'workers', 'handlers.ts'))!;
    expect(handlers).toContain(join(SRC, 'workers', 'fetch', 'feed.worker.ts')); // dynamic
    expect(handlers).toContain(join(SRC, 'workers', 'runner.ts')); // type-only
    expect(floorOf(join(SRC, 'workers', 'fetch', 'x.ts'))).toBe('stage:fetch');
    expect(allowed('stage:fetch', 'stage:classify')).toBe(false);
    expect(allowed('queues', 'core')).toBe(false);
    expect(allowed('cli', 'stage:store')).toBe(true);
  });

  it('has every import run down the house', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        if (!allowed(floorOf(file), floorOf(target))) upward.push(`${relative(SRC, file)} (${floorOf(file)}) -> ${relative(SRC, target)} (${floorOf(target)})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import circle', () => {
    // The finder itself, on a graph with one circle and one bystander.
    expect(circles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
    expect(circles(graph).map((c) => c.map((f) => relative(SRC, f)))).toEqual([]);
  });
});
