// Three of jsdom's per-mutation chores, done without allocating. Every node the HTML parser
// inserts, and every node or attribute Readability moves, removes or changes, makes jsdom 28.1:
//
// - queue a mutation record: it first copies the target's ancestors into a new array and a new
//   Map to look for MutationObservers, even when no observer exists anywhere;
// - mark the target and every ancestor modified: through a fresh iterator, and by giving each
//   ancestor a new empty object as its query memo, whether the old one held anything or not;
// - drop the document's computed-style cache by giving the document a new WeakMap, whether
//   anything was ever cached or not (only getComputedStyle fills it; extraction never calls it).
//
// That is O(depth) garbage per mutation: ~25% of all the bytes an extraction allocates (sampling
// heap profiler over 200 dev-set pages: 28.9 -> 21.7 MB a page), and the young-generation GC work
// that goes with it runs on V8's background threads, the share of the second core a one-thread
// pool takes for itself (bench:extract's pool section). The replacements keep the behaviour
// exactly: records are still queued for any target inside an observed subtree (and an unobserved
// mutation still schedules the observers' notification microtask, as jsdom does, so callbacks
// keep their place among other microtasks), a memo is still replaced whenever it holds anything,
// and a style cache whenever something was put in it. They are installed once per thread, and
// only for the jsdom version they mirror (the lockfile's; a caret range elsewhere just gets
// jsdom as shipped); anything unexpected leaves jsdom as it is. jsdom-tuning.test.ts checks the
// behaviour and that the replacements are the ones jsdom calls.
//
// Programs that import extractArticle from newsflow get the same tuning of their jsdom, for the
// whole process; NEWSFLOW_JSDOM_TUNING=off opts out (also to rule the tuning out, or measure it).
//
// The record and style functions are plain module functions that jsdom's modules destructure
// when they load, so this module must run before jsdom does (parse.ts imports it first). If jsdom
// was loaded earlier in the thread, only the modified steps are tuned; `jsdomTuning` says which.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The jsdom version whose internals these replacements mirror. */
export const TUNED_JSDOM = '28.1.0';

export const jsdomTuning = { mutationRecords: false, styleCache: false, modifiedSteps: false, skipped: [] as string[] };

type Impl = {
  _registeredObserverList: unknown[];
  _memoizedQueries: Record<string, unknown>;
  _version: number;
  _attached?: boolean;
  _ownerDocument: { _styleCache: WeakMap<object, unknown> };
  _childrenList?: { _update(): void };
  _childNodesList?: { _update(): void };
  _clearMemoizedQueries(): void;
  _modified(): void;
};
type Fn = (...args: unknown[]) => unknown;

const BASE = 'jsdom/lib/jsdom/living/';

/** A style cache that knows whether anything was put in it. */
class StyleCache extends WeakMap<object, unknown> {
  used = false;
  override set(key: object, value: unknown): this {
    this.used = true;
    return super.set(key, value);
  }
}

function install(): void {
  if (process.env.NEWSFLOW_JSDOM_TUNING === 'off') {
    jsdomTuning.skipped.push('NEWSFLOW_JSDOM_TUNING=off: left as it is');
    return;
  }
  const version = (require('jsdom/package.json') as { version: string }).version;
  if (version !== TUNED_JSDOM) {
    jsdomTuning.skipped.push(`jsdom ${version} is not ${TUNED_JSDOM}: left as it is`);
    return;
  }
  const { domSymbolTree: tree } = require(`${BASE}helpers/internal-constants.js`) as { domSymbolTree: { parent(n: Impl): Impl | null } };
  const nodeImplPath = require.resolve(`${BASE}nodes/Node-impl.js`);
  // The modules that take the record and style functions by destructuring when they load.
  const takers = ['nodes/Node-impl.js', 'nodes/CharacterData-impl.js', 'attributes.js', 'helpers/stylesheets.js'];
  if (takers.some((m) => require.cache[require.resolve(BASE + m)])) {
    jsdomTuning.skipped.push('jsdom was loaded before the tuning: mutation records and style cache left as they are');
  } else {
    tuneMutationRecords(tree);
    tuneStyleCache();
  }
  require('jsdom');
  tuneModifiedSteps(tree, (require(nodeImplPath) as { implementation: { prototype: Impl } }).implementation.prototype);
}

function tuneMutationRecords(tree: { parent(n: Impl): Impl | null }): void {
  const records = require(`${BASE}helpers/mutation-observers.js`) as Record<string, Fn | undefined>;
  const { queueMutationRecord: any, queueTreeMutationRecord: tree5, queueAttributeMutationRecord: attr4, queueMutationObserverMicrotask: notify } = records;
  if (typeof any !== 'function' || typeof tree5 !== 'function' || typeof attr4 !== 'function' || typeof notify !== 'function') {
    jsdomTuning.skipped.push('jsdom mutation-record helpers differ: left as they are');
    return;
  }
  const observed = (target: Impl): boolean => {
    for (let n: Impl | null = target; n; n = tree.parent(n)) if (n._registeredObserverList.length > 0) return true;
    return false;
  };
  // Fixed arities, as jsdom's own: a rest parameter would allocate on every call. Unobserved,
  // jsdom's function ends by scheduling the notification microtask (once per batch: a flag),
  // and so does this.
  records.queueMutationRecord = (type, target, name, ns, old, added, removed, prev, next) => {
    if (observed(target as Impl)) any(type, target, name, ns, old, added, removed, prev, next);
    else notify();
  };
  records.queueTreeMutationRecord = (target, added, removed, prev, next) => {
    if (observed(target as Impl)) tree5(target, added, removed, prev, next);
    else notify();
  };
  records.queueAttributeMutationRecord = (target, name, ns, old) => {
    if (observed(target as Impl)) attr4(target, name, ns, old);
    else notify();
  };
  jsdomTuning.mutationRecords = true;
}

function tuneStyleCache(): void {
  const rules = require(`${BASE}helpers/style-rules.js`) as { invalidateStyleCache?: (el: Impl) => void };
  if (typeof rules.invalidateStyleCache !== 'function') {
    jsdomTuning.skipped.push('jsdom has no invalidateStyleCache: left as it is');
    return;
  }
  rules.invalidateStyleCache = (el: Impl) => {
    if (!el._attached) return;
    const doc = el._ownerDocument;
    const cache = doc._styleCache;
    if (!(cache instanceof StyleCache) || cache.used) doc._styleCache = new StyleCache();
  };
  jsdomTuning.styleCache = true;
}

function tuneModifiedSteps(tree: { parent(n: Impl): Impl | null }, proto: Impl): void {
  // Read now, after tuneStyleCache may have replaced it, so the modified steps call the current one.
  const { invalidateStyleCache } = require(`${BASE}helpers/style-rules.js`) as { invalidateStyleCache?: (el: Impl) => void };
  if (typeof invalidateStyleCache !== 'function' || typeof proto._modified !== 'function' || typeof proto._clearMemoizedQueries !== 'function') {
    jsdomTuning.skipped.push('jsdom node internals differ: modified steps left as they are');
    return;
  }
  proto._clearMemoizedQueries = function (this: Impl) {
    for (let n: Impl | null = this; n; n = tree.parent(n)) {
      // Only a memo that holds something needs replacing.
      for (const _ in n._memoizedQueries) {
        n._memoizedQueries = {};
        break;
      }
    }
  };
  proto._modified = function (this: Impl) {
    // jsdom bumps the node, then every inclusive ancestor: the node itself twice.
    this._version++;
    for (let a: Impl | null = this; a; a = tree.parent(a)) a._version++;
    this._childrenList?._update();
    this._childNodesList?._update();
    this._clearMemoizedQueries();
    invalidateStyleCache(this);
  };
  jsdomTuning.modifiedSteps = true;
}

try {
  install();
} catch (err) {
  // A half-applied tuning is still jsdom's behaviour; a throw here would stop every extraction.
  jsdomTuning.skipped.push(`tuning failed: ${err instanceof Error ? err.message : String(err)}`);
}
