// The whole job graph's code in one place: every job in the catalog maps to its handler here.
// The map's type makes a missing handler a compile error; the runner refuses to start a queue
// whose jobs have none.
import type { HandlerMap } from './runner.js';
import type { PipelineDeps } from './context.js';
import { feedPollHandler } from './fetch/feed.worker.js';
import { pageFetchHandler } from './fetch/page.worker.js';
import { extractHandler } from './readability/readability.worker.js';
import { classifyHandler } from './classify/classify.worker.js';
import { storeHandler } from './store/store.worker.js';

export function buildHandlers(deps: PipelineDeps): HandlerMap {
  return {
    'feed.poll': feedPollHandler(deps),
    'article.fetch': pageFetchHandler(deps),
    'article.extract': extractHandler(deps),
    'article.classify': classifyHandler(deps),
    'article.store': storeHandler(deps),
  };
}
