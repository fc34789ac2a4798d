// Named entities (people, places, organisations) in an article, normalised and counted.
// Candidates are capitalised spans; the gazetteer and compromise's lexicon (first names, places,
// organisation words, titles) decide the type. Running compromise's full tagger costs ~20 ms per
// article, four times the classify budget, so only its lexicon is used here. Pure.
import nlp from 'compromise';
import type { Entity, EntityType } from '../../shared/types.js';
import { lookupGazetteer, SHOUTY_ALIASES } from './gazetteer.js';

type Lexicon = Record<string, string | string[]>;

let lexicon: Lexicon | null = null;
function lex(word: string): string[] {
  lexicon ??= (nlp as unknown as { model(): { one: { lexicon: Lexicon } } }).model().one.lexicon;
  const tags = lexicon[word.toLowerCase()];
  return tags === undefined ? [] : Array.isArray(tags) ? tags : [tags];
}

// Titles that precede a name and are not part of it; longest first so "First Vice President" wins.
const TITLES = [
  'first vice president', 'vice president', 'president', 'prime minister', 'deputy prime minister',
  'foreign minister', 'defence minister', 'defense minister', 'finance minister', 'minister',
  'secretary of state', 'secretary-general', 'secretary general', 'secretary', 'chancellor',
  'spokeswoman', 'spokesman', 'spokesperson', 'senator', 'sen', 'rep', 'representative', 'gov',
  'governor', 'mayor', 'king', 'queen', 'prince', 'princess', 'pope', 'ayatollah', 'sheikh',
  'general', 'gen', 'lt', 'col', 'colonel', 'major', 'captain', 'capt', 'admiral', 'judge',
  'justice', 'dr', 'doctor', 'prof', 'professor', 'mr', 'mrs', 'ms', 'miss', 'sir', 'dame', 'lord',
  'lady', 'ceo', 'chairman', 'chairwoman', 'chief executive', 'coach', 'commander', 'supreme leader',
  'leader', 'director', 'ambassador', 'envoy', 'premier', 'emir', 'crown prince', 'saint', 'st',
].sort((a, b) => b.length - a.length);

const ORG_WORDS = new Set([
  'agency', 'army', 'assembly', 'association', 'authority', 'bank', 'board', 'bureau', 'club',
  'co', 'coalition', 'college', 'commission', 'committee', 'company', 'corp', 'corporation',
  'council', 'court', 'department', 'federation', 'forces', 'foundation', 'fund', 'group', 'guard',
  'guards', 'holdings', 'inc', 'institute', 'league', 'ltd', 'ministry', 'movement', 'navy',
  'office', 'organisation', 'organization', 'parliament', 'party', 'plc', 'police', 'school',
  'service', 'society', 'systems', 'times', 'trust', 'union', 'university', 'news', 'post',
  'airlines', 'motors', 'technologies', 'partners', 'capital', 'brigade', 'senate', 'exchange',
  'images', 'brothers', 'bros', 'media', 'press', 'records', 'pictures', 'studios', 'energy',
  'airways', 'pharmaceuticals', 'communications', 'networks', 'labs', 'ventures', 'newsletter',
  'magazine', 'journal', 'channel', 'network', 'industries', 'international', 'ministry', 'cabinet',
]);

const PLACE_WORDS = new Set([
  'city', 'county', 'province', 'state', 'river', 'island', 'islands', 'mountains', 'lake',
  'valley', 'street', 'avenue', 'square', 'bay', 'sea', 'ocean', 'region', 'district', 'airport',
  'strait', 'peninsula', 'coast', 'stadium', 'arena', 'park', 'station', 'bridge', 'harbour',
  'harbor', 'port', 'palace', 'castle', 'tower', 'cathedral', 'mosque', 'road', 'lane', 'beach',
  'desert', 'forest', 'glacier', 'canal', 'highway', 'motorway', 'quay', 'pier', 'dam', 'hill',
]);

// Institutions and clubs named after what they are: "Paris Observatory", "Manchester United".
for (const w of ['observatory', 'museum', 'gallery', 'library', 'hospital', 'laboratory', 'laboratories', 'academy', 'theatre', 'theater', 'orchestra', 'zoo', 'clinic', 'united', 'rovers', 'wanderers', 'athletic', 'albion', 'hotspur', 'fc', 'rangers']) ORG_WORDS.add(w);

// Capitals that are words of the trade, not organisations: "AI", "GDP", "CEO".
const COMMON_ACRONYMS = new Set([
  'AI', 'AGI', 'GDP', 'CEO', 'CFO', 'CTO', 'COO', 'IPO', 'TV', 'PC', 'DNA', 'RNA', 'HIV', 'AIDS',
  'COVID', 'CO2', 'EV', 'EVS', 'VR', 'AR', 'API', 'GPS', 'LED', 'PDF', 'SUV', 'VAT', 'GMT', 'UTC',
  'AM', 'PM', 'OK', 'FAQ', 'DIY', 'ID', 'IQ', 'IT', 'PR', 'HR', 'LGBT', 'LGBTQ', 'MVP', 'NFT',
  'ETF', 'CPI', 'ESG', 'SMS', 'USB', 'PHD', 'MP', 'MPS', 'QC', 'KC', 'LLM', 'LLMS', 'AIS', 'ICU',
  'MRI', 'IVF', 'PPE', 'CCTV', 'GCSE', 'GCSES', 'SAT', 'ATM', 'URL', 'APP', 'VPN', 'RSS', 'HTML',
]);

// Capitalised words (with inner hyphens/apostrophes and dotted acronyms), optionally joined by
// lower-case connectors inside a name: "Bank of England", "Ursula von der Leyen", "al-Assad".
// No trailing dot on ordinary words, so a span never runs across a sentence end ("Ukraine. The").
const NAME_WORD = String.raw`(?:(?:\p{Lu}\.){2,}|\p{Lu}\.(?=[ \t]+\p{Lu})|\p{Lu}[\p{L}\p{M}]*(?:[-'’]\p{L}[\p{L}\p{M}]*)*|\p{Lu}{2,}\d*)`;
const CONNECTOR = String.raw`(?:of|the|de|da|del|der|von|van|bin|al|el|la|le|du|and|for)`;
// Spaces only, never newlines: a heading and the next paragraph are not one name.
const SPAN = new RegExp(String.raw`${NAME_WORD}(?:[ \t]+(?:${CONNECTOR}[ \t]+)*${NAME_WORD})*`, 'gu');

export interface EntityOptions {
  /** At most this many entities, most mentioned first. */
  limit?: number;
}

interface Candidate {
  name: string;
  type: EntityType | null;
  count: number;
  first: number;
  /** A title was stripped off: strong evidence for a person. */
  titled: boolean;
}

/** Strip surrounding punctuation, possessives and leading titles; null when nothing is left. */
export function normaliseName(raw: string): { name: string; titled: boolean } | null {
  let s = raw.replace(/\s+/g, ' ').trim();
  s = s.replace(/['’]s?$/u, '').replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}.]+$/gu, '');
  // A trailing full stop is punctuation unless the name is a dotted acronym ("U.S.").
  if (/\.$/.test(s) && !/(?:^|\s)(?:\p{Lu}\.)+$/u.test(s)) s = s.slice(0, -1);
  let titled = false;
  // Peel titles, "the" and leading ordinary words in any order: "Iranian First Vice President
  // Mohammad Mokhber" -> "Mohammad Mokhber". Known names and institution-like spans ("Supreme
  // National Security Council") keep their leading words.
  for (;;) {
    if (/^the\s/i.test(s)) {
      s = s.slice(4);
      continue;
    }
    const lower = s.toLowerCase();
    const t = TITLES.find((t) => lower.startsWith(t + ' ') || lower.startsWith(t + '. '));
    if (t) {
      s = s.slice(t.length).replace(/^\.?\s+/, '');
      titled = true;
      continue;
    }
    const sp = s.indexOf(' ');
    if (sp < 0 || lookupGazetteer(s)) break;
    const last = s.slice(s.lastIndexOf(' ') + 1).toLowerCase();
    if (ORG_WORDS.has(last) || PLACE_WORDS.has(last)) break;
    const w = s.slice(0, sp);
    const adjectival = /^\p{Lu}[\p{Ll}\p{M}]*-\p{Ll}/u.test(w) || lex(w).includes('Demonym');
    if (!adjectival && !isOrdinaryWord(w) && w !== 'The') break;
    s = s.slice(sp + 1);
  }
  return s && /\p{L}/u.test(s) ? { name: s, titled } : null;
}

function guessType(name: string, titled: boolean): EntityType | null {
  const words = name.split(' ');
  const first = words[0]!;
  const last = words[words.length - 1]!.toLowerCase();
  if (ORG_WORDS.has(last) && words.length > 1) return 'organization';
  if (PLACE_WORDS.has(last) && words.length > 1) return 'place';
  const firstTags = lex(first);
  if (titled) return 'person';
  if (firstTags.some((t) => t === 'MaleName' || t === 'FemaleName' || t === 'FirstName')) return words.length > 1 ? 'person' : null;
  const whole = lex(name);
  if (whole.includes('Organization') || whole.includes('SportsTeam')) return 'organization';
  if (whole.some((t) => t === 'Country' || t === 'City' || t === 'Region' || t === 'Place')) return 'place';
  if (words.length === 1 && /^\p{Lu}{2,5}$/u.test(name)) return COMMON_ACRONYMS.has(name.toUpperCase()) ? null : 'organization';
  if (lex(words[words.length - 1]!).includes('LastName')) return 'person';
  // Two or three capitalised words with no other clue are, in news copy, usually a person.
  // Names are rarely dictionary words, so "Good News", "Nature Astronomy" and "Quayside
  // Stadium" stay out (a first name, a title or a known surname above still makes a person).
  if (
    words.length >= 2 &&
    words.length <= 3 &&
    !words.some(isCommonNoun) &&
    words.every((w) => /^\p{Lu}[\p{Ll}\p{M}'’-]+$/u.test(w))
  ) {
    return 'person';
  }
  return null;
}

// compromise's lexicon knows function words and names, not common nouns; these endings and
// headline nouns mark a word that is almost never part of a person's name.
const NOUN_ENDING = /(?:ology|onomy|omy|ium|ics|tion|sion|ment|ness|ity|ance|ence|ship|ism|ure|ware|ing)$/;
const HEADLINE_NOUNS = new Set([
  'science', 'nature', 'health', 'news', 'weekly', 'review', 'daily', 'today', 'week', 'world',
  'report', 'policy', 'energy', 'tech', 'research', 'medicine', 'physics', 'climate', 'space',
  'sport', 'sports', 'business', 'money', 'markets', 'live', 'update', 'breaking', 'opinion',
  'analysis', 'letters', 'cup', 'league', 'championship', 'open', 'prize', 'award', 'awards',
  'festival', 'summit', 'conference', 'act', 'bill', 'plan', 'deal', 'index', 'project',
]);

/** A word that names a thing, not a person: "Astronomy", "Stadium", "Nature". */
function isCommonNoun(word: string): boolean {
  const w = word.toLowerCase();
  return isOrdinaryWord(word) || HEADLINE_NOUNS.has(w) || (w.length > 5 && NOUN_ENDING.test(w));
}

/** A single word at a sentence start that the lexicon knows as an ordinary word is not a name. */
function isOrdinaryWord(word: string): boolean {
  const tags = lex(word);
  if (tags.length === 0) return false;
  return !tags.some((t) => /Name|Country|City|Region|Place|Organization|ProperNoun|SportsTeam/.test(t));
}

/** Capitalised spans; "X and Y" is split unless it is one known name ("Trinidad and Tobago"). */
function* spans(text: string): Generator<string> {
  for (const m of text.matchAll(SPAN)) {
    const span = m[0];
    // "The Week's Free Newsletters": a possessive inside a span joins two things, neither reliable.
    if (/['’]s\s/u.test(span)) continue;
    if (span.includes(' and ') && !lookupGazetteer(span)) yield* span.split(' and ');
    else yield span;
  }
}

/** What one capitalised span resolves to: the same wherever it occurs in an article. */
interface Resolved {
  name: string;
  type: EntityType | null;
  titled: boolean;
}

/** Lower-cased shouty alias -> its only trusted spelling. */
const SHOUTY_BY_KEY = new Map([...SHOUTY_ALIASES].map((a) => [a.toLowerCase(), a]));

function resolveSpan(span: string): Resolved | null {
  const norm = normaliseName(span);
  if (!norm) return null;
  let { name } = norm;
  const single = !name.includes(' ');
  if (single && (isOrdinaryWord(name) || lex(name).includes('Demonym'))) return null;
  if (single && /^(?:I|A|The)$/.test(name)) return null;
  const hit = lookupGazetteer(name);
  if (hit) {
    const bare = name.replace(/\./g, '');
    // "WHO"/"US"/"AP" only in capitals: "Who" or "Us" opening a sentence is a word.
    const shouty = SHOUTY_BY_KEY.get(bare.toLowerCase());
    if (shouty !== undefined && shouty !== bare) return null;
    name = hit.name;
  }
  return { name, type: hit ? hit.type : guessType(name, norm.titled), titled: norm.titled };
}

export function extractEntities(text: string, opts: EntityOptions = {}): Entity[] {
  const found = new Map<string, Candidate>();
  // A name recurs through an article: each distinct span is resolved once.
  const resolved = new Map<string, Resolved | null>();
  let order = 0;
  for (const span of spans(text)) {
    let r = resolved.get(span);
    if (r === undefined) {
      r = resolveSpan(span);
      resolved.set(span, r);
    }
    if (!r) continue;
    const { name, type, titled } = r;
    const key = name.toLowerCase();
    const c = found.get(key);
    if (c) {
      c.count++;
      c.titled ||= titled;
      if (!c.type && type) c.type = type;
    } else {
      found.set(key, { name, type, count: 1, first: order++, titled });
    }
  }
  return mergeAndRank([...found.values()], opts.limit ?? 25);
}

/** Fold short mentions into the full name they abbreviate ("Mokhber" into "Mohammad Mokhber"). */
function mergeAndRank(cands: Candidate[], limit: number): Entity[] {
  // Full names by their lower-cased last word; the first mentioned wins.
  const byLastWord = new Map<string, Candidate>();
  for (const c of cands) {
    if (c.type !== 'person' || !c.name.includes(' ')) continue;
    const last = c.name.toLowerCase().split(' ').at(-1)!;
    if (!byLastWord.has(last)) byLastWord.set(last, c);
  }
  const kept: Candidate[] = [];
  for (const c of cands) {
    if (!c.name.includes(' ') && c.type !== 'place' && c.type !== 'organization') {
      const full = byLastWord.get(c.name.toLowerCase());
      if (full) {
        full.count += c.count;
        continue;
      }
    }
    // An untyped lone capitalised word is more often a sentence opener or a heading than a name.
    if (c.type) kept.push(c);
  }
  return kept
    .filter((c): c is Candidate & { type: EntityType } => c.type !== null)
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .slice(0, limit)
    .map(({ name, type, count }) => ({ name, type, count }));
}
