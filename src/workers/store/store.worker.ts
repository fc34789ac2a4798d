// article.store: hand one article to one sink. Each sink has its own job per article, so a failing
// sink retries alone without blocking or duplicating the others.
import type { Handler } from '../runner.js';
import type { PipelineDeps } from '../context.js';

export function storeHandler(deps: PipelineDeps): Handler<'article.store'> {
  return async ({ sink: sinkName, article }, { log, job, attempt }) => {
    const sink = deps.sinks?.get(sinkName);
    if (!sink) throw new Error(`sink "${sinkName}" is not configured in this process`);
    // A retry, or a job taken over after its worker died, may have written already.
    const replay = attempt > 1 || (job.stalledCounter ?? 0) > 0;
    await sink.write(article, { replay });
    log.debug({ sink: sinkName, id: article.id, replay }, 'article stored');
  };
}
