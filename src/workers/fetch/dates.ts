// Feed dates as they really come: RFC 822/1123 (with named and military zones), RFC 3339 /
// ISO-8601, and the usual broken variants (no day name, two-digit years, lower-case or
// non-English month names, "2024-03-05 12:00:00", trailing junk). Output is ISO-8601 UTC or null.

const MONTHS: Record<string, number> = {};
// English, then the short forms French, German, Spanish, Italian, Dutch and Portuguese feeds use.
const MONTH_NAMES: readonly string[][] = [
  ['jan', 'janv', 'janvier', 'januar', 'ene', 'enero', 'gen', 'gennaio', 'januari', 'janeiro'],
  ['feb', 'fev', 'fév', 'févr', 'fevr', 'février', 'februar', 'febrero', 'febbraio', 'februari', 'fevereiro'],
  ['mar', 'mars', 'mär', 'märz', 'maerz', 'marzo', 'mrt', 'maart', 'março', 'marco'],
  ['apr', 'avr', 'avril', 'abr', 'abril', 'aprile'],
  ['may', 'mai', 'mayo', 'mag', 'maggio', 'mei', 'maio'],
  ['jun', 'juin', 'juni', 'junio', 'giu', 'giugno', 'junho'],
  ['jul', 'juil', 'juillet', 'juli', 'julio', 'lug', 'luglio', 'julho'],
  ['aug', 'août', 'aout', 'ago', 'agosto'],
  ['sep', 'sept', 'septembre', 'september', 'septiembre', 'set', 'settembre', 'setembro'],
  ['oct', 'octobre', 'okt', 'oktober', 'octubre', 'ott', 'ottobre', 'outubro', 'out'],
  ['nov', 'novembre', 'november', 'noviembre', 'novembro'],
  ['dec', 'déc', 'décembre', 'dez', 'dezember', 'dic', 'diciembre', 'dicembre', 'december', 'dezembro'],
];
MONTH_NAMES.forEach((names, i) => names.forEach((n) => (MONTHS[n] = i + 1)));

function monthNumber(word: string): number | undefined {
  const w = word.toLowerCase().replace(/\.$/, '');
  return MONTHS[w] ?? MONTHS[w.slice(0, 3)];
}

/** Zone abbreviations in minutes east of UTC. Ambiguous ones (IST, CST in China…) take the US/UK reading. */
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, WET: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  AKST: -540, AKDT: -480, HST: -600,
  BST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120, WEST: 60, EET: 120, EEST: 180, MSK: 180,
  IST: 330, HKT: 480, SGT: 480, JST: 540, KST: 540, AEST: 600, AEDT: 660, ACST: 570, AWST: 480,
  NZST: 720, NZDT: 780,
};

/** Minutes east of UTC for a zone token, or undefined when it is not one. */
function zoneOffset(token: string | undefined): number | undefined {
  if (!token) return undefined;
  const t = token.trim().toUpperCase();
  if (t === '') return undefined;
  const numeric = /^(?:UTC|GMT|UT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(t);
  if (numeric) {
    const sign = numeric[1] === '-' ? -1 : 1;
    const h = Number(numeric[2]);
    const m = Number(numeric[3] ?? 0);
    if (h > 14 || m > 59) return undefined;
    return sign * (h * 60 + m);
  }
  if (t in ZONES) return ZONES[t];
  // Military letters: RFC 5322 says to read them as -0000 since RFC 822 had their signs backwards.
  if (/^[A-IK-Z]$/.test(t)) return 0;
  return undefined;
}

function build(year: string | number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0, offsetMin = 0): string | null {
  // Two-digit years per RFC 5322 (00-49 → 20xx); three-digit ones are years since 1900.
  const digits = String(year).length;
  let y = Number(year);
  if (digits <= 2) y += y < 50 ? 2000 : 1900;
  else if (digits === 3) y += 1900;
  const maxYear = new Date().getUTCFullYear() + 1;
  if (y < 1970 || y > maxYear) return null;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  if (h === 24 && (mi > 0 || s > 0)) return null;
  if (s === 60) s = 59; // leap second
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > daysInMonth) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
  return new Date(t).toISOString();
}

const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,](\d+))?`;
const ZONE = String.raw`((?:UTC|GMT|UT)?\s*[+-]\d{1,2}(?::?\d{2})?|[A-Za-z]{1,5}\b)?`;

// 2024-03-05T12:00:00.123+01:00, 2024-03-05 12:00, 2024-03-05, 20240305T120000Z
const ISO = new RegExp(String.raw`^(\d{4})-?(\d{2})-?(\d{2})(?:(?:T|\s+|T\s*)` + TIME + String.raw`\s*` + ZONE + ')?(?![\\d])', 'i');
const ISO_COMPACT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{2}:?\d{2})?/i;
// [Tue,] 5 Mar 2024 12:00[:00] GMT  (also 05-Mar-2024, 5 mars 2024)
const RFC822 = new RegExp(String.raw`^(\d{1,2})(?:st|nd|rd|th)?[\s.-]+([^\s\d.,-]+)\.?,?[\s-]+(\d{2,4})(?:[\s,]+(?:at\s+)?` + TIME + String.raw`\s*` + ZONE + ')?', 'i');
// March 5, 2024 [12:00 PM] [EST]
const US = new RegExp(String.raw`^([^\s\d.,-]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:[\s,]+(?:at\s+)?` + TIME + String.raw`\s*(am|pm)?\s*` + ZONE + ')?', 'i');
// asctime / JS Date#toString: Tue Mar  5 12:00:00 2024, Tue Mar 05 2024 12:00:00 GMT+0000 (UTC)
const ASCTIME = new RegExp(String.raw`^([^\s\d.,-]+)\s+(\d{1,2})\s+(?:` + TIME + String.raw`\s+(\d{4})|(\d{4})\s+` + TIME + String.raw`\s*` + ZONE + ')', 'i');

const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s));
/** An unreadable zone is trailing junk more often than a real zone: read the time as UTC. */
const offset = (token: string | undefined): number => zoneOffset(token) ?? 0;
const millis = (frac: string | undefined): number => (frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);

/**
 * Parse a date from a feed into ISO-8601 UTC (`2024-03-05T12:00:00.000Z`), or null when it
 * cannot be read or the year is absurd (before 1970 or more than a year ahead). A date without a
 * zone is taken as UTC. Unix timestamps (10 or 13 digits) are accepted too.
 */
export function parseDate(input: string | null | undefined): string | null {
  if (typeof input !== 'string') return null;
  let s = input.trim().replace(/\s+/g, ' ');
  if (s === '') return null;

  if (/^\d{10}(\d{3})?$/.test(s)) {
    const ms = s.length === 10 ? Number(s) * 1000 : Number(s);
    const d = new Date(ms);
    return build(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  }

  let m = ISO_COMPACT.exec(s);
  if (m) {
    return build(m[1]!, num(m[2]), num(m[3]), num(m[4]), num(m[5]), num(m[6]), 0, offset(m[7]));
  }
  m = ISO.exec(s);
  if (m) {
    return build(m[1]!, num(m[2]), num(m[3]), num(m[4]), num(m[5]), num(m[6]), millis(m[7]), offset(m[8]));
  }

  // Drop a leading day name in any language ("Tue,", "Mardi,", "Di.,"), with or without a comma.
  s = s.replace(/^[^\d\s,]+\.?,\s*/, '');
  const first = s.split(' ')[0]!;
  if (/^\D/.test(first) && s.includes(' ') && monthNumber(first) === undefined) s = s.slice(first.length).trim();

  m = RFC822.exec(s);
  if (m) {
    const mo = monthNumber(m[2]!);
    if (mo === undefined) return null;
    return build(m[3]!, mo, num(m[1]), num(m[4]), num(m[5]), num(m[6]), millis(m[7]), offset(m[8]));
  }
  m = US.exec(s);
  if (m) {
    const mo = monthNumber(m[1]!);
    if (mo === undefined) return null;
    let h = num(m[4]);
    const ampm = m[8]?.toLowerCase();
    if (ampm === 'pm' && h < 12) h += 12;
    if (ampm === 'am' && h === 12) h = 0;
    return build(m[3]!, mo, num(m[2]), h, num(m[5]), num(m[6]), millis(m[7]), offset(m[9]));
  }
  m = ASCTIME.exec(s);
  if (m) {
    const mo = monthNumber(m[1]!);
    if (mo === undefined) return null;
    if (m[7] !== undefined) return build(m[7], mo, num(m[2]), num(m[3]), num(m[4]), num(m[5]), millis(m[6]));
    return build(m[8]!, mo, num(m[2]), num(m[9]), num(m[10]), num(m[11]), millis(m[12]), offset(m[13]));
  }
  return null;
}
