// Boilerplate layer 2: what a block says. Rules are general (no site names), in English, French,
// German and Spanish (with the commonest Polish, Portuguese and Italian labels), and each is
// bounded by block length so article prose is never judged by a phrase it happens to contain.
// Quotes are exempt.
import type { Block } from './blocks.js';

interface Rule {
  reason: string;
  maxWords: number;
  re: RegExp;
  /** The rule does not apply when this matches too. */
  unless?: RegExp;
}

// Month names (and their usual abbreviations) in English, German, French, Spanish and Polish.
const MONTH =
  '(?:jan(?:uary|uar|vier)?|j[äa]n(?:ner)?|feb(?:ruary|ruar)?|f[ée]vr?(?:ier)?|mar(?:ch|s|zo)?|m[äa]rz|apr(?:il)?|avr(?:il)?|abr(?:il)?|may|mai|mayo|jun(?:e|i|io)?|juin|jul(?:y|i|io)?|juil(?:let)?|aug(?:ust)?|ao[uû]t|ago(?:sto)?|sep(?:t(?:ember|iembre)?)?|sept(?:embre)?|oct(?:ober|obre)?|okt(?:ober)?|nov(?:ember|embre|iembre)?|d[eé]c(?:ember|embre)?|dez(?:ember)?|dic(?:iembre)?|stycz(?:nia|eń)|lut(?:ego|y)|marca|kwiet(?:nia|eń)|maja|czerw(?:ca|iec)|lip(?:ca|iec)|sierp(?:nia|ień)|wrze[sś](?:nia|ień)|pa[zź]dziernik(?:a)?|listopad(?:a)?|grud(?:nia|zień))\\.?';
const CLOCK = '\\d{1,2}:\\d{2}(?:\\s*[ap]\\.?m\\.?|\\s*uhr|\\s*h)?';
const TEXT_DATE = `(?:\\d{1,2}\\.?\\s+${MONTH}\\s+\\d{4}|${MONTH}\\s+\\d{1,2},?\\s+\\d{4}|${MONTH}\\s+\\d{4}|\\d{1,4}[./-]\\d{1,2}[./-]\\d{1,4})`;
// Picture libraries, as credits name them (with or without their domain).
const LIBRARY =
  '(?:getty\\s?images|shutterstock|istock(?:photo)?|thinkstock|fotolia|stock\\.adobe|adobe\\s?stock|unsplash|pixabay|pexels|pixelio|imago(?:\\s?images)?|picture[- ]alliance)(?:\\.com|\\.de)?';
// What an image credit names at the end of a caption: a library, an agency, "public domain".
const PICTURE_SOURCE = new RegExp(
  `(?:${LIBRARY}|dpa|afp|ap photo|reuters|epa(?:-efe)?|efe|ansa|keystone|alamy|domena publiczna|public domain|dominio público|domaine public|gemeinfrei)\\W*$`,
  'iu',
);

const RULES: Rule[] = [
  {
    reason: 'cta',
    maxWords: 12,
    re: /^(?:sign ?up|sign in|log ?in|register now|subscribe|donate|follow us|download (?:the|our)|get the app|listen to (?:this|the) (?:article|story)|share (?:this|on)|click here|tap here|s'abonner|s’abonner|abonnez-vous|inscrivez-vous|je m'abonne|suivez-nous|téléchargez l|faites un don|écouter cet article|(?:jetzt )?abonnieren|jetzt registrieren|folgen sie uns|app herunterladen|jetzt spenden|artikel anhören|suscríbete|suscribirse|regístrate|síguenos|descarga la app|haz una donación|escucha este artículo)\b/iu,
  },
  {
    reason: 'cta',
    maxWords: 60,
    re: /(?:sign up|subscribe|register)\b.{0,60}\b(?:newsletter|inbox)|(?:delivered|sent|straight|directly)\b.{0,30}\bto your inbox|in your inbox|newsletter\b.{0,80}\b(?:sign up|subscribe)|(?:download|get) (?:our|the) (?:free )?app\b|^join\b.{0,40}\bfor (?:access|free)\b|please enter a valid email|(?:create|with) (?:a free |an |your )?account\b.{0,30}\bfree\b|already (?:have an account|a subscriber)|^(?:was this (?:article|page|post) (?:helpful|useful)|war (?:der|dieser) artikel (?:hilfreich|nützlich)|cet article vous a-t-il été utile|¿(?:te|le) (?:ha resultado|resultó) útil)|(?:vergiss|vergessen sie) nicht,? (?:ihn |es )?zu teilen|share this (?:article|story|post)\b|partagez cet article|comparte (?:este|esta) (?:artículo|nota|noticia)|follow us on|support (?:our|independent) journalism|become a (?:member|subscriber|supporter)\b|(?:inscrivez-vous|abonnez-vous) à (?:notre|la|nos) newsletter|newsletter abonnieren|melden sie sich .{0,40}newsletter an|suscríbete a (?:nuestro|nuestra|la)|recibe .{0,40}(?:boletín|newsletter)/iu,
  },
  {
    reason: 'ad-label',
    maxWords: 5,
    re: /^\W*(?:advertisement|advertising|ad|sponsored(?: content)?|paid (?:content|post)|publicité|annonce|anzeige|werbung|publicidad|anuncio|reklama|pubblicità|contenido patrocinado|(?:story|article) continues below(?: advertisement)?|scroll to continue(?: with content)?)\W*$/iu,
  },
  {
    reason: 'credit',
    maxWords: 20,
    re: /^\(?(?:(?:image|photo|picture|video|illustration|graphic|foto|bild|fotografía|imagen|photographie)s?(?: credit| by)?|credits?|crédits?(?: photos?)?|crédito|quelle|beitragsbild|titelbild|headerbild|aufmacherbild|symbolbild|fot\.)\s*[:©]|^\((?:image|photo) credit\b|^photograph(?:ed)? by\b|^©/iu,
  },
  {
    reason: 'credit',
    maxWords: 8,
    re: PICTURE_SOURCE,
    // "He spoke to Reuters." is a sentence, not a credit (but a bare "Reuters." is: see below).
    unless: /[.!?]["”»]?$/u,
  },
  {
    reason: 'credit',
    maxWords: 6,
    // "AFP / MARCO BERTORELLO", "Bundesregierung/Steffen Kugler": who took the picture.
    re: /^\p{Lu}[\p{L}.'’ -]*\s?\/\s?\p{Lu}[\p{L}.'’ -]*$/u,
  },
  {
    reason: 'credit',
    maxWords: 30,
    // A caption that ends with whose picture it is: "Oil pumps at dusk. Photo: TebNad/Shutterstock",
    // "… mobilisieren. © Pferderevue", "(REUTERS/Denis Balibouse)". Never ends a sentence.
    re: /(?:^|[\s.!?)])(?:fotos?|photos?|photograph(?:ie)?|bild(?:er)?|imagen|fotografía|image|picture|zdjęcie|fot\.|crédits? photos?|credit|bildquelle|fotoquelle)\s*:\s*(?:[^.!?:]|\.(?=\S)){2,80}$|©\s*[^.!?©]{2,60}$|\((?:quelle|source|fuente|foto|photo|bild)\s*:[^)]{2,60}\)$|\((?:reuters|afp|ap|dpa|efe|epa|ansa|getty images)\s*\/[^)]{2,40}\)$|\/\s*domena publiczna$/iu,
    unless: /[.!?]["”»]?$/u,
  },
  {
    reason: 'credit',
    maxWords: 30,
    // "… Quelle: jorisvo / Fotolia.com", "Bild: TebNad/Shutterstock.com": a source that is a picture library.
    re: new RegExp(`(?:^|[\\s.!?)])(?:quelle|source|fuente|źródło)\\s*:.*${LIBRARY}\\W*$`, 'iu'),
  },
  {
    reason: 'credit',
    maxWords: 3,
    re: PICTURE_SOURCE,
  },
  {
    reason: 'caption',
    maxWords: 40,
    // "Abbildung 4: klassische Schwachschicht.", "Figure 2: …", "Vergrößern Eine kleine runde …":
    // a figure's caption (or an image viewer's button before it), not article text.
    re: /^(?:(?:abbildung|abb\.|figure|fig\.|figura|grafik|grafika|rycina|schaubild)\s*\d*[a-z]?\s*:|(?:vergrößern|enlarge|agrandir|ampliar)\s+\p{Lu})/iu,
  },
  {
    reason: 'label',
    maxWords: 3,
    // A contact, author, sources or more-information label on its own (what follows it is judged by itself).
    re: /^(?:kontakt|contact|autoren|autorinnen|authors?|von|by|quellen(?:angaben)?|sources?|originalartikel|original article|weitere informationen|zusatzinformationen|more information|further information|plus d['’]informations|más información|release date|externer inhalt|quellen (?:ausblenden|anzeigen)|permalink|permalien)\s*:?$/iu,
  },
  {
    reason: 'furniture',
    maxWords: 30,
    // WordPress and PHP leftovers: post footers, spam-filter notices, warnings printed into the page.
    re: /^this entry was posted\b|\bakismet\b|^(?:warning|notice|deprecated|fatal error):.{0,200}\bon line \d+\W*$|^(?:permalink|permalien)\s+https?:\/\/\S+$/iu,
  },
  {
    reason: 'cta',
    maxWords: 40,
    // App, channel and social prompts, comment-login prompts, appeals for support and letters.
    re: /\bapps? for (?:ios|android|iphone)\b|straight to your phone\b|download (?:the|our) [\p{L}\d]+(?: [\p{L}\d]+)? apps?\b|\b(?:únete|join|tritt)\b.{0,60}\b(?:telegram|whatsapp)\b|\b(?:telegram|whatsapp)\b.{0,60}\b(?:únete|join|tritt)\b|(?:our|nuestro|unseren?|notre) (?:canal de |)youtube(?:[- ]kanal| channel)?\b.{0,20}[!?]|\b(?:follow|folgen sie|folge|suivez|síguenos|seguir a|segui)\b(?!-).{0,60}\b(?:facebook|twitter|instagram|youtube|telegram|tiktok|linkedin)\b.{0,30}\b(?:facebook|twitter|instagram|youtube|telegram|tiktok|linkedin)\b|(?:eingeloggt|angemeldet|logged in) (?:sein )?(?:um|to) (?:kommentare|comment)|would you consider supporting|support our work|(?:submit|send|write) (?:us )?a letter to the editor|read more letters to the editor|^(?:werden sie mitglied|hazte (?:miembro|socio)|devenez membre)\b|zapraszamy (?:też )?do subskrypcji|never miss\b.{0,40}\bsign(?:ing)? up|\bsign up here\W*$|^to (?:view|read|continue reading) the full (?:story|article),? please (?:subscribe|log in|sign in)|^pour lire la suite\b/iu,
  },
  {
    reason: 'read-more',
    maxWords: 7,
    // A label over a list of other articles, alone in its block.
    re: /^(?:schon gelesen|zum weiterlesen|auch lesen|weiterführende links?|neueste (?:artikel|beiträge)|weitere (?:beiträge|artikel|tourentipps|news)(?: (?:zum thema|aus der kolumne|aus dieser kategorie))?|beiträge zum thema|mehr zum thema(?: auf \S+)?|lesen sie auch(?: die folgenden beiträge)?|das könnte (?:sie|dich) auch interessieren|lade weitere inhalte|mehr laden|load more|show more stories|vorschau auf den nächsten artikel|nächster artikel|vorheriger artikel|next (?:article|story|post)|previous (?:article|story|post)|article (?:suivant|précédent)|(?:artículo|nota) (?:siguiente|anterior)|czytaj (?:też|także|również|więcej)|zobacz (?:też|także|również)|dowiedz się więcej|veja também|leia (?:também|mais)|leggi (?:anche|altro)|most (?:read|popular)|meist(?:-| )?(?:gelesen|diskutiert)|les plus lus|lo más leído)\W*$/iu,
  },
  {
    reason: 'read-more',
    maxWords: 30,
    // "Auch lesen: Diese 3 Sternzeichen …", "Czytaj też: Wyścig zbrojeń …": a link to another article.
    re: /^(?:auch lesen|lesen sie hier|lesen sie auch|czytaj (?:też|także|również)|zobacz (?:też|także|również)|dowiedz się więcej|veja também|leia também|leggi anche|puedes ver|podría interesarte|mira|mire)\s*:/iu,
  },
  {
    reason: 'share',
    maxWords: 12,
    re: /^(?:möchten sie (?:den|diesen) artikel teilen|(?:den |diesen )?artikel (?:mit anderen )?teilen|diesen beitrag teilen|share (?:this|the) (?:article|story|post)|partager (?:cet|l['’])article|compartir (?:este|esta) (?:artículo|nota|noticia)|udostępnij)\b/iu,
  },
  {
    reason: 'furniture',
    maxWords: 10,
    // Comment and rating widgets, login prompts, image viewers, tables of contents.
    re: /^(?:keine kommentare|kommentar(?:e)? verfassen|kommentare (?:geschlossen|insgesamt:?\s*\d*)|sie sind (?:aktuell |derzeit )?nicht (?:eingeloggt|angemeldet)|you must be logged in to (?:post a )?comment|hier können sie den artikel bewerten|valora (?:esta|este) (?:noticia|artículo)|bild anzeigen(?: bild schließen)?|inhaltsverzeichnis|table of contents|sommaire|drukuj|loading|zurück(?: zur (?:übersicht|listenansicht|startseite))?|über (?:den autor|die autorin)|about the author|à propos de l['’]auteur|sobre el autor|o autorze)(?:\s*\([^)]*\))?\W*$/iu,
  },
  {
    reason: 'timestamp',
    maxWords: 8,
    // "Aktualisiert am 17.01.2021.", "Publiziert: 03.04.2020, 12:35", "11 Jan 2019", "16 marca 2021".
    re: new RegExp(`^(?:(?:updated|published|posted|aktualisiert|veröffentlicht|publiziert|veröffentlichung|erstellt|stand|mis à jour|publié|actualizado|publicado|publikacja|aktualizacja)(?:\\s+(?:am|on|le|el|at))?\\s*:?\\s*)?${TEXT_DATE}(?:,?\\s*(?:um|at|à|a las)?\\s*${CLOCK})?\\.?$`, 'iu'),
  },
  {
    reason: 'furniture',
    maxWords: 10,
    // Comment, rating and print widgets, and WordPress's spam-filter notice.
    re: /^(?:(?:write|leave|post) a (?:comment|reply)|kommentar(?:e)? schreiben|laisser un commentaire|deja un comentario|\(?(?:no ratings yet|noch keine bewertungen|aucune évaluation|sin valoraciones)\)?(?:\s*loading)?|print (?:this )?(?:recipe|article|page)|rezept drucken|artikel drucken|imprimer (?:la recette|l['’]article)|imprimir (?:receta|artículo))\W*$|\bakismet\b/iu,
  },
  {
    reason: 'timestamp',
    maxWords: 5,
    // A bare date or time ("3:59 PM", "23.10.2018", "Updated: 5 March"), not a dateline.
    re: /^(?:(?:updated|published|aktualisiert|veröffentlicht|mis à jour|publié|actualizado|publicado)\s*:?\s*)?(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?|\s*uhr|\s*h)?)(?:,?\s+\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?|\s*uhr)?)?$|^(?:updated|aktualisiert|mis à jour|actualizado)\s*:?$/iu,
  },
  {
    reason: 'reading-time',
    maxWords: 6,
    // "5 min read", "Lesezeit: 3 Min.", "Temps de lecture : 4 min", "Lectura de 6 minutos".
    re: /^(?:(?:reading time|read time|lesezeit|lesedauer|temps de lecture|lecture|tiempo de lectura|lectura)\s*:?\s*(?:de\s+)?(?:ca\.\s*)?\d+\s*(?:min(?:ute)?s?|minuten|minutos)\.?|(?:ca\.\s*)?\d+\s*(?:min(?:ute)?s?|minuten|minutos)\.?\s*(?:read|reading|lesezeit|de lecture|de lectura|lecture|lectura))$/iu,
  },
  { reason: 'url', maxWords: 1, re: /^(?:https?:\/\/|www\.)\S+$/iu },
  {
    reason: 'trailer',
    maxWords: 30,
    re: /^(?:source link|source:? .{0,40}\blink$|read (?:the )?original(?: article| story)?\W*$|view original|lire l['’]article original|zum originalartikel|leer (?:el )?artículo original)/iu,
  },
  {
    reason: 'read-more',
    maxWords: 30,
    re: /^(?:read more|related|see also|also read|read also|more on this|read next|further reading|you (?:might|may) also like|recommended(?: for you)?|lire aussi|à lire aussi|voir aussi|à voir aussi|sur le même sujet|vous aimerez aussi|lesen sie (?:auch|mehr)|mehr zum thema|siehe auch|auch interessant|das könnte (?:sie|dich) auch interessieren|das thema könnte (?:sie|dich) auch interessieren|weitere artikel|lee también|lea también|lee más|lea más|vea también|ver también|(?:también )?(?:te|le) puede interesar|leer más|relacionad[oa]s?|noticias relacionadas|leggi anche|leia também)\s*(?::|\||»|>|–|—|-)/iu,
  },
  {
    reason: 'read-more',
    maxWords: 4,
    re: /^(?:read more|related(?: (?:articles|stories|posts|content|coverage))?|more stories|you (?:might|may) also like|recommended (?:posts|articles|stories)|empfohlene beiträge|ähnliche (?:artikel|beiträge)|weitere (?:artikel|beiträge)|articles similaires|artículos relacionados|lire aussi|à lire aussi|sur le même sujet|weiterlesen|mehr zum thema|siehe auch|auch interessant|das könnte (?:sie|dich) auch interessieren|lee también|lea también|leer más|vea también|noticias relacionadas|(?:también )?(?:te|le) puede interesar)\W*$/iu,
  },
  {
    reason: 'copyright',
    maxWords: 60,
    re: /^(?:©|\(c\)\s|copyright\b)|all rights reserved|tous droits réservés|alle rechte vorbehalten|todos los derechos reservados|wszelkie prawa zastrzeżone|materiał chroniony prawem|tutti i diritti riservati|todos os direitos reservados|(?:unter|under|sous) (?:der |the |la )?(?:lizenz |licen[cs]e )?cc[- ]by\b|creative commons (?:license|licence|lizenz|attribution)|(?:may|must) not be (?:published|reproduced|redistributed|rewritten)|reproduction (?:interdite|prohibited)/iu,
  },
];

const QUOTE_START = /^["“”«»„‚‘’'‹›「『]|^[-–—]\s/u;
/** "LONDON (Reuters) —", "PARIS, 5 mars (AFP) -": the dateline is part of the story. */
const DATELINE = /^[\p{Lu}][\p{Lu}\p{M} .'-]+(?:,[^()]{1,30})?\s*\([^)]{2,30}\)\s*[-–—]/u;
const REPORTED = /\b(?:said|says|told|according to|a déclaré|a dit|selon|sagte|sagt|laut|dijo|según|afirmó)\b/iu;

/** A dateline ("LONDON (Reuters) —") opens the story: no layer removes it. */
export const isDateline = (text: string): boolean => DATELINE.test(text);

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** Layer 2: the rule a block's wording breaks, or null. */
export function wordingReason(text: string): string | null {
  // A short block of a few lines ("03.11.2026, 10:14 Uhr / Lesezeit: 4 Min.") goes when every line would on its own.
  if (text.includes('\n')) {
    const lines = text.split('\n');
    if (lines.length <= 4 && words(text) <= 20) {
      const reasons = lines.map(lineReason);
      if (reasons.every((r) => r !== null)) return reasons.find((r) => r !== 'timestamp') ?? 'timestamp';
    }
  }
  return lineReason(text);
}

function lineReason(text: string): string | null {
  if (QUOTE_START.test(text) || DATELINE.test(text)) return null;
  const n = words(text);
  for (const r of RULES) {
    if (n > r.maxWords || !r.re.test(text) || r.unless?.test(text)) continue;
    if (r.maxWords > 12 && REPORTED.test(text)) continue;
    return r.reason;
  }
  return null;
}

const PROMO = /newsletter|inbox|subscri|sign ?up|\bapp\b|download|follow|offer|free|trial|member|donat|deliver|exclusive|register|advert|sponsor|abonn|inscri|anmeld|registr|suscri|boletín|spende|podcast/iu;

/** Whether a repeated block reads like promotion (then no copy of it is article text). */
export function isPromotional(text: string): boolean {
  return PROMO.test(text) && words(text) <= 60;
}

const BIO =
  /^(?:\p{Lu}[\p{L}'’.-]*\s+){1,3}(?:is|has|was|joined|covers|writes|reports|est|a rejoint|ist|arbeitet|schreibt|es|ha|trabaja|escribe)\b.{0,200}\b(?:writer|reporter|correspondent|editor|journalist|columnist|contributor|freelance|freelanced|author|producer|journaliste|rédactr?ice|rédacteur|correspondante?|redakteurin|redakteur|korrespondentin|korrespondent|journalistin|autorin|autor|periodista|redactora?|corresponsal|editora?)/u;

/**
 * Author bios and author cards at the end: a bio sentence among the last blocks, or a short
 * line naming the byline's author just before one, or just after the last body paragraph.
 */
export function isAuthorTail(blocks: readonly Block[], i: number, byline: string | null): boolean {
  if (i < blocks.length - 4) return false;
  const text = blocks[i]!.text;
  const n = words(text);
  if (n <= 120 && BIO.test(text)) return true;
  if (n > 10) return false;
  const next = blocks[i + 1]?.text ?? '';
  if (BIO.test(next) && next.split(/\s+/)[0] === text.split(/\s+/)[0]) return true;
  const author = byline?.split(/,| and | und | et | y /)[0]?.trim();
  return !!author && author.length > 3 && text.startsWith(author) && !/[.!?]$/.test(text);
}
