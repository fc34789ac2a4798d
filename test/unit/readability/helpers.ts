// Small article pages for extraction tests: realistic prose around the snippet under test, so
// Readability has an article to find and each test only varies what it is about.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const PROSE = {
  en: [
    'The city council voted on Tuesday to expand the bus network, adding four routes that will connect the northern suburbs with the hospital district by the end of next year.',
    'Officials said the plan would cost about 12 million euros and be paid for partly by a regional grant, with the remainder coming from higher parking fees in the centre.',
    'Opposition members argued that the timetable was too ambitious and that drivers would be hard to recruit, but the measure passed with a comfortable majority after a long debate.',
  ],
  fr: [
    'Le conseil municipal a voté mardi l’extension du réseau de bus, avec quatre nouvelles lignes qui relieront les quartiers nord au pôle hospitalier d’ici la fin de l’année prochaine.',
    'Selon la mairie, le projet coûtera environ 12 millions d’euros, financés en partie par une subvention régionale et par la hausse des tarifs de stationnement dans le centre.',
    'L’opposition a jugé le calendrier trop ambitieux et le recrutement des conducteurs difficile, mais la mesure a été adoptée à une large majorité après un long débat.',
  ],
  de: [
    'Der Stadtrat hat am Dienstag beschlossen, das Busnetz auszubauen: Vier neue Linien sollen bis Ende nächsten Jahres die nördlichen Vororte mit dem Klinikviertel verbinden.',
    'Nach Angaben der Verwaltung kostet der Plan rund zwölf Millionen Euro, die zum Teil aus einem regionalen Zuschuss und aus höheren Parkgebühren in der Innenstadt kommen.',
    'Die Opposition hielt den Zeitplan für zu ehrgeizig und warnte vor fehlenden Fahrern, doch die Vorlage wurde nach langer Debatte mit deutlicher Mehrheit angenommen.',
  ],
  es: [
    'El ayuntamiento aprobó el martes ampliar la red de autobuses con cuatro nuevas líneas que conectarán los barrios del norte con la zona hospitalaria antes de que acabe el próximo año.',
    'Según el consistorio, el plan costará unos 12 millones de euros, financiados en parte con una subvención regional y con la subida de las tarifas de aparcamiento en el centro.',
    'La oposición consideró el calendario demasiado ambicioso y advirtió de la falta de conductores, pero la medida salió adelante por amplia mayoría tras un largo debate.',
  ],
} satisfies Record<string, string[]>;

export type Lang = keyof typeof PROSE;
export const LANGS = Object.keys(PROSE) as Lang[];

export function prose(lang: Lang): string[] {
  return PROSE[lang]!;
}

/** A full page: header, nav, article with prose and `inside` (HTML) in the middle, footer. */
export function articlePage(lang: Lang, inside: string, opts: { head?: string; after?: string } = {}): string {
  const [a, b, c] = PROSE[lang]!;
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Bus network grows | Daily Bugle</title>${opts.head ?? ''}</head>
<body><header><nav><a href="/">Home</a> <a href="/city">City</a></nav></header>
<main><article><h1>Bus network grows</h1><div class="article-body">
<p>${a}</p>${inside}<p>${b}</p><p>${c}</p>${opts.after ?? ''}
</div></article></main><footer><p>Daily Bugle, 1 Main Street</p></footer></body></html>`;
}

export const URL = 'https://news.example.com/city/2024/03/05/bus-network-grows';
