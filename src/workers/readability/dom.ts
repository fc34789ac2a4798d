// Small tree walks used instead of CSS selectors and live collections on hot paths: jsdom's
// selector engine costs far more per call than walking the tree, and iterating a live
// HTMLCollection (getElementsByTagName, children) is quadratic in jsdom: its proxy looks every
// property read, `length` included, up as a named item by scanning the whole collection.

/** Descendants of `root` (not `root` itself) in document order, optionally only one tag. */
export function descendants(root: Element, localName?: string): Element[] {
  const out: Element[] = [];
  // Each jsdom element getter walks with an iterator object, so every getter is read once a step.
  let el = root.firstElementChild;
  while (el) {
    if (localName === undefined || el.localName === localName) out.push(el);
    el = nextInTree(root, el);
  }
  return out;
}

/** The element after `el` in document order inside `root`, or null. */
function nextInTree(root: Element, el: Element): Element | null {
  const child = el.firstElementChild;
  if (child) return child;
  for (let e: Element | null = el; e && e !== root; e = e.parentElement) {
    const next = e.nextElementSibling;
    if (next) return next;
  }
  return null;
}

/** The element children of `el`, as an array. */
export function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let c = el.firstElementChild; c; c = c.nextElementSibling) out.push(c);
  return out;
}

/** The first descendant of `root` (not `root` itself) in document order for which `test` holds. */
export function findDescendant(root: Element, test: (el: Element) => boolean): Element | null {
  for (let el = root.firstElementChild; el; el = nextInTree(root, el)) if (test(el)) return el;
  return null;
}

/** `el` or its nearest ancestor for which `test` holds. */
export function closestWhere(el: Element, test: (el: Element) => boolean): Element | null {
  for (let e: Element | null = el; e; e = e.parentElement) if (test(e)) return e;
  return null;
}

/** Whether a whitespace-separated attribute (`rel`, `itemprop`) lists `token`. */
export function hasToken(el: Element, attr: string, token: string): boolean {
  const v = el.getAttribute(attr);
  return v !== null && v.toLowerCase().split(/\s+/).includes(token);
}
