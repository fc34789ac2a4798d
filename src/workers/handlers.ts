// The whole job graph's code in one place: every job in the catalog maps to a loader of its
// handler here. The map's type makes a missing handler a compile error; the runner refuses to
// start a queue whose jobs have none. Handlers are imported when a process serves their queue:
// a fetch process never loads jsdom, and only a classify process loads compromise and the model.
import type { Handler, HandlerMap } from './runner.js';
import type { PipelineDeps } from './context.js';
import { catalog, type JobName } from '../queues/catalog.js';

type Loaders = { [N in JobName]: (deps: PipelineDeps) => Promise<Handler<N>> };

const LOADERS: Loaders = {
  'feed.poll': async (deps) => (await import('./fetch/feed.worker.js')).feedPollHandler(deps),
  'article.fetch': async (deps) => (await import('./fetch/page.worker.js')).pageFetchHandler(deps),
  'article.extract': async (deps) => (await import('./readability/readability.worker.js')).extractHandler(deps),
  'article.classify': async (deps) => (await import('./classify/classify.worker.js')).classifyHandler(deps),
  'article.store': async (deps) => (await import('./store/store.worker.js')).storeHandler(deps),
};

/** Handlers for `jobs` (default: every job in the catalog), loading only their code. */
export async function buildHandlers(deps: PipelineDeps, jobs: readonly JobName[] = Object.keys(catalog) as JobName[]): Promise<Partial<HandlerMap>> {
  const out: Partial<Record<JobName, unknown>> = {};
  for (const name of jobs) out[name] = await LOADERS[name](deps);
  return out as Partial<HandlerMap>;
}
