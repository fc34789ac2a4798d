// Boilerplate layers 5 (the learned classifier) and 6 (layout): what they drop, what they never
// take (an article Readability found, blocks a site rule keeps), the model file, and the labels
// training learns from.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { fnv1a } from '../../../src/shared/hash.js';
import { collectBlocks } from '../../../src/workers/readability/blocks.js';
import { blockFeatures, siteNamesOf, wordCount } from '../../../src/workers/readability/block-features.js';
import { type BlockModel, decodeBlockModel, encodeBlockModel, loadBlockModel, scoreBlock } from '../../../src/workers/readability/block-model.js';
import { labeller, loadLabelledDir } from '../../../src/workers/readability/block-training.js';
import { type ExtractTrace, extractArticle, fingerprint } from '../../../src/workers/readability/extract.js';
import { layoutReasons } from '../../../src/workers/readability/layout.js';
import { URL, articlePage, prose } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nf-model-'));
/** A model file that scores every block `bias` (logit) whatever it says. */
function constantModel(bias: number): string {
  const model: BlockModel = { hashBits: 10, bias, threshold: 0.5, longThreshold: 0.75, tailThreshold: 0.5, weights: new Float32Array(1 << 10), meta: {} };
  const file = path.join(dir, `constant-${bias}.json`);
  writeFileSync(file, JSON.stringify(encodeBlockModel(model)));
  return file;
}
/** A model that scores blocks of 9 to 12 words (word-count bucket 5) as boilerplate (0.95) and the rest as article (0.12). */
const nineToTwelveWords = (() => {
  const weights = new Float32Array(1 << 16);
  weights[fnv1a('len:5') & 0xffff] = 5;
  const file = path.join(dir, 'nine-to-twelve.json');
  writeFileSync(file, JSON.stringify(encodeBlockModel({ hashBits: 16, bias: -2, threshold: 0.6, longThreshold: 0.9, tailThreshold: 0.6, weights, meta: {} })));
  return file;
})();
const newTrace = (): ExtractTrace => ({ structure: [], blocks: [], overruled: [], keptScores: [], classifierMs: 0 });

describe('the classifier layer', () => {
  it('never leaves an empty article where Readability found one, and says what it overruled', () => {
    const html = articlePage('en', '<p>Members get the full archive for $6 a month.</p>');
    const rulesOnly = extractArticle(html, { url: URL, blockModel: null });
    const trace = newTrace();
    const allJunk = extractArticle(html, { url: URL, blockModel: constantModel(20) }, trace);
    expect(allJunk.paragraphs).toEqual(rulesOnly.paragraphs);
    expect(trace.overruled.map((r) => r.text)).toEqual(expect.arrayContaining(prose('en')));
    expect(trace.overruled.every((r) => r.reason === 'model' && r.score! > 0.99)).toBe(true);
  });

  it('drops what it scores as boilerplate and explains each drop with its score', () => {
    const trace = newTrace();
    const html = articlePage('en', '<p>Members get the full archive for a small fee each month.</p>');
    const a = extractArticle(html, { url: URL, blockModel: nineToTwelveWords }, trace);
    expect(a.paragraphs).toEqual(prose('en'));
    const dropped = trace.blocks.find((b) => b.text.startsWith('Members get'));
    expect(dropped).toMatchObject({ reason: 'model' });
    expect(dropped!.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 3);
    expect(trace.keptScores).toHaveLength(a.paragraphs.length);
    expect(trace.keptScores.every((s) => s !== null && s < 0.5)).toBe(true);
  });

  it('never removes what a site rule keeps, and known site boilerplate still goes', () => {
    const html = articlePage('en', '<p class="lede-note">Members get the full archive for a small fee.</p><p>Thanks for reading the Daily Bugle city desk</p>');
    const file = nineToTwelveWords;
    expect(extractArticle(html, { url: URL, blockModel: file }).text).not.toContain('Members get');
    const a = extractArticle(html, {
      url: URL,
      blockModel: file,
      siteRules: { keep: ['.lede-note'] },
      knownBoilerplate: new Set([fingerprint('Thanks for reading the Daily Bugle city desk')]),
    });
    expect(a.paragraphs).toContain('Members get the full archive for a small fee.');
    expect(a.text).not.toContain('city desk');
  });

  it('is on by default with the shipped model, and off with blockModel: null', () => {
    const shipped = loadBlockModel();
    expect(shipped.threshold).toBeGreaterThanOrEqual(0.5);
    expect(shipped.longThreshold).toBeGreaterThanOrEqual(shipped.threshold);
    const html = articlePage('en', '<p>Follow The Daily Bugle on Threads, Bluesky and YouTube for more.</p>');
    const on = newTrace();
    extractArticle(html, { url: 'https://dailybugle.example/city/bus', blockModel: undefined }, on);
    const off = newTrace();
    extractArticle(html, { url: URL, blockModel: null }, off);
    expect(on.keptScores.some((s) => s !== null)).toBe(true);
    expect(off.keptScores.every((s) => s === null)).toBe(true);
  });
});

describe('the model file', () => {
  it('round-trips through JSON with its weights to 1/32767 of the largest', () => {
    const weights = new Float32Array(1 << 8);
    weights[3] = 2.5;
    weights[200] = -0.75;
    const model: BlockModel = { hashBits: 8, bias: -1.25, threshold: 0.6, longThreshold: 0.8, tailThreshold: 0.7, weights, meta: { note: 'x' } };
    const back = decodeBlockModel(JSON.parse(JSON.stringify(encodeBlockModel(model))));
    expect(back.weights[3]).toBeCloseTo(2.5, 4);
    expect(back.weights[200]).toBeCloseTo(-0.75, 4);
    expect(back.weights.filter((w) => w !== 0)).toHaveLength(2);
    expect(back).toMatchObject({ bias: -1.25, threshold: 0.6, longThreshold: 0.8, tailThreshold: 0.7, meta: { note: 'x' } });
    const f = { ids: Uint32Array.from([3, 200]), values: Float32Array.from([1, 2]) };
    expect(scoreBlock(back, f)).toBeCloseTo(1 / (1 + Math.exp(-(-1.25 + 2.5 - 1.5))), 4);
  });

  it('refuses files that are not a boilerplate model, with the reason', () => {
    expect(() => decodeBlockModel({ format: 'newsflow-topics' } as never)).toThrow(/not a newsflow boilerplate model/);
    const stale = { ...encodeBlockModel({ hashBits: 8, bias: 0, threshold: 0.6, longThreshold: 0.8, tailThreshold: 0.7, weights: new Float32Array(256), meta: {} }), features: 0 };
    expect(() => decodeBlockModel(stale)).toThrow(/trained on block features version 0.*retrain/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => loadBlockModel(bad)).toThrow(/cannot read the boilerplate model/);
    expect(() => extractArticle(articlePage('en', ''), { url: URL, blockModel: path.join(dir, 'missing.json') })).toThrow(/cannot read the boilerplate model/);
  });
});

const blocksOf = (html: string) => {
  const root = new JSDOM(`<body><div id="root">${html}</div></body>`).window.document.getElementById('root')!;
  return { root, blocks: collectBlocks(root) };
};

describe('layout (layer 6)', () => {
  const p = prose('en');
  it('drops a run of link-only headlines and the label over them, with no promo words at all', () => {
    const { blocks } = blocksOf(
      `<p>${p[0]}</p><p><strong>More from The Ledger:</strong></p><ul><li><a href="/a">Harbour tunnel opens two years late</a></li><li><a href="/b">Council weighs a new tram line</a></li></ul><p>${p[1]}</p>`,
    );
    const out = layoutReasons(blocks, blocks.map(() => null), new Set());
    expect(blocks.map((_, i) => out.get(i) ?? null)).toEqual([null, 'layout:heading-of-removed', 'layout:link-list', 'layout:link-list', null]);
  });

  it('drops a heading whose section was all removed, or that has nothing under it, but keeps one with text', () => {
    const { blocks } = blocksOf(`<p>${p[0]}</p><h3>Get the Morning Briefing</h3><p>Our editors' pick, every weekday.</p><h3>What happens next</h3><p>${p[1]}</p><h3>Comments</h3>`);
    const reasons = blocks.map((b) => (b.text.startsWith('Our editors') ? 'model' : null));
    const out = layoutReasons(blocks, reasons, new Set());
    expect(out.get(1)).toBe('layout:heading-of-removed');
    expect(out.has(3)).toBe(false);
    expect(out.get(5)).toBe('layout:empty-heading');
  });

  it('drops a pull quote that repeats a sentence of a paragraph, and nothing a site rule keeps', () => {
    const quote = 'the timetable was too ambitious and that drivers would be hard to recruit';
    const { blocks } = blocksOf(`<p>${p[0]}</p><blockquote>“${quote}”</blockquote><p>${p[2]}</p>`);
    expect(layoutReasons(blocks, blocks.map(() => null), new Set()).get(1)).toBe('layout:repeated-inside');
    expect(layoutReasons(blocks, blocks.map(() => null), new Set([1])).has(1)).toBe(false);
  });
});

describe('layout keeps article text', () => {
  const p = prose('en');
  it('a bold subheading over a dropped credit line, a list of linked documents, a heading its paragraph repeats', () => {
    const { blocks } = blocksOf(
      `<p>${p[0]}</p><p><strong>What the plan means for riders</strong></p><p>Photo: Jane Roe/Reuters</p><p>${p[1]}</p>` +
        `<p>The council published three documents:</p><ul><li><a href="/docs/map.pdf">Route map</a></li><li><a href="/docs/cost.pdf">Cost breakdown</a></li><li><a href="/docs/responses.pdf">Consultation responses</a></li></ul>` +
        `<h2>Parking fees in the centre will rise</h2><p>From May, parking fees in the centre will rise by a fifth, the council said, to pay for the new routes.</p>`,
    );
    const reasons = blocks.map((b) => (b.text.startsWith('Photo:') ? 'wording:credit' : null));
    expect([...layoutReasons(blocks, reasons, new Set()).entries()]).toEqual([]);
  });
});

describe('features', () => {
  it('see the outlet named in a block, and count words as runs between spaces', () => {
    expect(siteNamesOf('The Harbour Ledger', 'https://www.harbourledger.example/a')).toEqual(['harbour ledger', 'harbourledger']);
    expect(siteNamesOf(null, 'not a url')).toEqual([]);
    expect(wordCount('  Follow us \n on  Threads ')).toBe(4);
    const { root, blocks } = blocksOf(`<p>Follow The Harbour Ledger on Threads and Bluesky.</p><p>${prose('en')[0]}</p>`);
    const [a, b] = blockFeatures(blocks, root, 18, ['harbour ledger']);
    const [c] = blockFeatures(blocks, root, 18, []);
    // The outlet is one more feature of the block that names it, and one more cue its neighbour sees.
    const [, d] = blockFeatures(blocks, root, 18, []);
    expect(a!.ids.length).toBe(c!.ids.length + 1);
    expect(b!.ids.length).toBe(d!.ids.length + 1);
  });
});

describe('labelled page folders', () => {
  it('say what is wrong with a folder, a gold file or a missing page', () => {
    expect(() => loadLabelledDir(path.join(dir, 'no-such-folder'), 'x')).toThrow(/is not a folder of labelled pages/);
    const empty = mkdtempSync(path.join(dir, 'empty-'));
    expect(() => loadLabelledDir(empty, 'x')).toThrow(/no labelled pages in .*NAME\.html with NAME\.gold\.json/);
    writeFileSync(path.join(empty, 'a.gold.json'), JSON.stringify({ url: 'https://x.example/a', content: [], boilerplate: [] }));
    expect(() => loadLabelledDir(empty, 'x')).toThrow(/a\.html is missing/);
    writeFileSync(path.join(empty, 'a.gold.json'), '{"url": "https://x.example/a"}');
    expect(() => loadLabelledDir(empty, 'x')).toThrow(/needs "url", "content" and "boilerplate"/);
  });
});

describe('training labels', () => {
  it('full gold: text in the article is content, the rest boilerplate, optional paragraphs unknown', () => {
    const label = labeller({ kind: 'full', paragraphs: ['The council voted on Tuesday to expand the bus network.', '[Photo gallery of the new buses]'] });
    expect(label('The council voted on Tuesday to expand the bus network.')).toBe(0);
    expect(label('Sign up for our newsletter to get the news first.')).toBe(1);
    expect(label('Photo gallery of the new buses')).toBeNull();
    expect(label('')).toBeNull();
  });
  it('list gold: only listed blocks get a label; snippets label the blocks that hold them', () => {
    const lists = labeller({ kind: 'lists', content: ['Buses will run every ten minutes.'], boilerplate: ['Share this story'] });
    expect([lists('Buses will run every ten minutes.'), lists('Share this story'), lists('By Jane Roe')]).toEqual([0, 1, null]);
    const snippets = labeller({ kind: 'snippets', with: ['run every ten minutes'], without: ['All rights reserved'] });
    expect([snippets('Buses will run every ten minutes from May.'), snippets('© 2024 Bugle. All rights reserved.'), snippets('Other text here')]).toEqual([0, 1, null]);
  });
});
