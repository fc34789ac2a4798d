// Each boilerplate layer on small pages in English, French, German and Spanish: it removes what
// it is for, and keeps quotes, short paragraphs and the dateline.
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { extractArticle, fingerprint } from '../../../src/workers/readability/extract.js';
import { removeStructuralBoilerplate, structuralReason } from '../../../src/workers/readability/boilerplate.js';
import { wordingReason } from '../../../src/workers/readability/wording.js';
import { LANGS, URL, articlePage, prose, type Lang } from './helpers.js';

const KEEPERS: Record<Lang, string[]> = {
  en: ['LONDON (Reuters) —', '“Sign up for the war, they told us,” he recalled.', 'He declined to comment.'],
  fr: ['PARIS (AFP) —', '« Abonnez-vous à la raison », a lancé le maire.', 'Il n’a pas répondu.'],
  de: ['BERLIN (dpa) -', '„Folgen Sie uns nicht blind“, sagte die Ministerin.', 'Er schwieg.'],
  es: ['MADRID (EFE) —', '«Suscríbete a la esperanza», dijo la alcaldesa.', 'No hubo respuesta.'],
};

const JUNK: Record<Lang, string[]> = {
  en: ['Sign up for our free newsletter to get the best stories delivered to your inbox.', 'Advertisement', 'Photo: Jane Doe/Getty Images', 'Read more: Council approves new budget', 'Source link', '© 2024 Daily Bugle. All rights reserved.', 'https://cdn.example.com/img/promo-banner.jpg', 'Download the app'],
  fr: ['Inscrivez-vous à notre newsletter pour recevoir l’essentiel de l’actualité.', 'Publicité', 'Crédit photo : Jean Dupont', 'Lire aussi : Le budget adopté', 'Tous droits réservés.', 'Suivez-nous sur les réseaux'],
  de: ['Jetzt abonnieren und weiterlesen', 'Anzeige', 'Foto: Max Mustermann/dpa', 'Lesen Sie auch: Haushalt beschlossen', 'Alle Rechte vorbehalten.', 'Folgen Sie uns auf Instagram'],
  es: ['Suscríbete a nuestro boletín y recibe las noticias del día.', 'Publicidad', 'Foto: Juan Pérez/EFE', 'Lee también: El presupuesto aprobado', 'Todos los derechos reservados.', 'Síguenos en redes sociales'],
};

const para = (t: string) => `<p>${t}</p>`;

describe.each(LANGS)('boilerplate layers (%s)', (lang) => {
  const keepers = KEEPERS[lang];

  it('layer 1 (structure) removes marked boxes and keeps what is not marked', () => {
    const boxes = `<div class="newsletter-signup"><p>${prose(lang)[0]!.slice(0, 60)} box</p></div>
      <div class="social-share"><p>Facebook Twitter</p></div><aside><p>Related story teaser text</p></aside>
      <div class="ad-slot"><p>Sponsor message here</p></div><div class="author-bio"><p>Bio of the writer here</p></div>`;
    const a = extractArticle(articlePage(lang, keepers.map(para).join('') + boxes), { url: URL });
    for (const k of keepers) expect(a.paragraphs).toContain(k);
    expect(a.text).not.toMatch(/box|Facebook|teaser|Sponsor message|Bio of the writer/);
    expect(a.paragraphs).toEqual(expect.arrayContaining(prose(lang)));
  });

  it('layer 2 (wording) removes calls to action, labels, credits, links and notices', () => {
    const a = extractArticle(articlePage(lang, [...keepers, ...JUNK[lang]].map(para).join('')), { url: URL });
    for (const k of keepers) expect(a.paragraphs).toContain(k);
    for (const j of JUNK[lang]) expect(a.paragraphs).not.toContain(j);
    expect(a.paragraphs).toHaveLength(keepers.length + 3);
  });

  it('layer 3 (repetition) drops every copy of repeated promotion and later copies of other repeats', () => {
    const promo = { en: 'Our weekly digest, free every Friday: the newsletter readers love.', fr: 'Notre newsletter gratuite, chaque vendredi dans votre boîte.', de: 'Unser Newsletter, jeden Freitag gratis für alle Leser.', es: 'Nuestro boletín gratuito, cada viernes para los lectores.' }[lang];
    const repeated = prose(lang)[0]!;
    const inside = [keepers[0]!, promo, keepers[1]!, promo, keepers[2]!, repeated].map(para).join('');
    const a = extractArticle(articlePage(lang, inside), { url: URL });
    expect(a.paragraphs).not.toContain(promo);
    expect(a.paragraphs.filter((p) => p === repeated)).toHaveLength(1);
    for (const k of keepers) expect(a.paragraphs).toContain(k);
  });

  it('layer 4 (known fingerprints) drops blocks learned elsewhere, whatever their case and spacing', () => {
    const learned = 'Thanks for reading the Daily Bugle city desk';
    const inside = [...keepers, learned.toUpperCase()].map(para).join('');
    const a = extractArticle(articlePage(lang, inside), { url: URL, knownBoilerplate: new Set([fingerprint(learned)]) });
    expect(a.text).not.toMatch(/daily bugle city desk/i);
    for (const k of keepers) expect(a.paragraphs).toContain(k);
    expect(a.fingerprints).not.toContain(fingerprint(learned));
  });
});

describe('structural signals', () => {
  const el = (html: string) => new JSDOM(`<body>${html}</body>`).window.document.body.firstElementChild!;

  it('matches class tokens on word boundaries', () => {
    expect(structuralReason(el('<div class="article-body"></div>'))).toBeNull();
    expect(structuralReason(el('<div class="header shadow-lg"></div>'))).toBeNull();
    expect(structuralReason(el('<div class="ad-slot"></div>'))).toBe('token:ad');
    expect(structuralReason(el('<div class="newsletterSignUp"></div>'))).toBe('token:newsletter');
    expect(structuralReason(el('<div data-component="sign-up"></div>'))).toBe('token:signup');
    expect(structuralReason(el('<section role="complementary"></section>'))).toBe('role:complementary');
    expect(structuralReason(el('<div aria-label="Share this article"></div>'))).toBe('token:share');
  });

  it('never removes a wrapper that holds most of the article', () => {
    const doc = new JSDOM(`<body><div class="post tag-social-media"><p>${prose('en').join('</p><p>')}</p></div></body>`).window.document;
    expect(removeStructuralBoilerplate(doc.body)).toEqual([]);
    expect(doc.body.textContent).toContain(prose('en')[2]);
  });

  it('site rules drop and protect by selector', () => {
    const html = articlePage('en', '<p class="promo-note">Kept by site rule because it is real text.</p><p class="house-ad">Buy our mugs today.</p>');
    const a = extractArticle(html, { url: URL, siteRules: { drop: ['.house-ad'], keep: ['.promo-note'] } });
    expect(a.paragraphs).toContain('Kept by site rule because it is real text.');
    expect(a.text).not.toContain('mugs');
  });
});

describe('wording rules', () => {
  it('exempt quotes and reported speech', () => {
    expect(wordingReason('"Subscribe now," the banner said.')).toBeNull();
    expect(wordingReason('Subscribers who sign up for the newsletter get a discount, the company said.')).toBeNull();
    expect(wordingReason('He spoke to Reuters.')).toBeNull();
    expect(wordingReason('Metin Aktas/Anadolu Agency via Getty Images')).toBe('credit');
    expect(wordingReason('(Image credit: Metin Aktas/Anadolu Agency via Getty Images)')).toBe('credit');
    expect(wordingReason('3:59 PM')).toBe('timestamp');
    expect(wordingReason('Aktualisiert: 23.10.2018')).toBe('timestamp');
    expect(wordingReason('Rezept drucken')).toBe('furniture');
    expect(wordingReason('The vote is at 3:59 PM.')).toBeNull();
    expect(wordingReason('WASHINGTON, March 4 (Reuters) -')).toBeNull();
  });

  it('drops captions that end with their picture credit, related-article labels, widgets and timestamps, in several languages', () => {
    const junk: [string, string][] = [
      ['Oil pumps at dusk near Midland, Texas. Photo: TebNad/Shutterstock.com', 'credit'],
      ['Große Beckenkreise stabilisieren, kleine mobilisieren. © Pferderevue', 'credit'],
      ['Dmitry Muratov, periodista ruso y Premio Nobel de la Paz (REUTERS/Denis Balibouse)', 'credit'],
      ['Erdgas und Kernkraft sind nicht nachhaltig. Quelle: jorisvo / Fotolia.com', 'credit'],
      ['Crédits photos : Bestimage', 'credit'],
      ['Thinkstock', 'credit'],
      ['Schon gelesen?', 'read-more'],
      ['Das könnte Sie auch interessieren!', 'read-more'],
      ['Czytaj też: Wyścig zbrojeń ruszył z kopyta', 'read-more'],
      ['Article suivant', 'read-more'],
      ['Möchten Sie den Artikel teilen?', 'share'],
      ['Keine Kommentare (Kommentare erscheinen erst nach unserer Freigabe)', 'furniture'],
      ['About the author', 'furniture'],
      ['Aktualisiert am 17.01.2021.', 'timestamp'],
      ['Published: March 4, 2021, 10:15 am', 'timestamp'],
      ['16 marca 2021', 'timestamp'],
      ['Publié le 3 févr. 2022', 'timestamp'],
      ['Abbildung 4: klassische Schwachschicht. Der Unterschied in der Kornform ist klar ersichtlich.', 'caption'],
      ['Kontakt:', 'label'],
      ['This entry was posted in Allgemein. Bookmark the permalink.', 'furniture'],
      ['For the latest stories and breaking news updates download the Nationnews apps for iOS and Android.', 'cta'],
      ['Puede escribirnos a nuno@esmateria.com o seguir a Materia en Facebook, Twitter, Instagram o suscribirse aquí.', 'cta'],
      ['We want to hear what you think about this article. Submit a letter to the editor.', 'cta'],
      ['MIRA: Madre se acerca a conocer los motivos de captura de su hijo', 'read-more'],
      ['Dieser Text wurde veröffentlicht unter der Lizenz CC-BY-NC-ND-4.0-DE.', 'copyright'],
    ];
    for (const [text, reason] of junk) expect(wordingReason(text), text).toBe(reason);
    // Prose that merely mentions a photo, a source, a month or "about the author" stays.
    for (const text of [
      'He showed the court a photo: a burned car.',
      'He showed a photo: a burned car. Then he left',
      'The unemployment rate rose to 5.1 percent. Source: Federal Statistics Office',
      'In May 2020 the council voted to close the bridge.',
      'The board met on 12 May 2021.',
      'Zurück in Berlin, traf sie den Kanzler.',
      'Anzeige gegen Unbekannt',
      'About the author of the report, little is known.',
      'Weitere Informationen gibt es bei der Stadtverwaltung.',
      'In a letter to the editor, the mayor defended the budget.',
      'Developers could not get the new app approved by Apple.',
      'Follow-up reports on Facebook and Twitter showed the crowd growing.',
      'The figure rose to 4.2 percent in March.',
      'Contact tracing resumed on Monday.',
      'Mira Sorvino attended the premiere.',
    ]) expect(wordingReason(text), text).toBeNull();
  });

  it('drops a figure caption with the picture it describes', () => {
    const figure = '<figure><img src="/a.jpg" alt=""><figcaption>Crowds gather outside the town hall on Monday evening.</figcaption></figure>';
    const a = extractArticle(articlePage('en', figure), { url: URL });
    expect(a.text).not.toContain('Crowds gather');
    expect(a.paragraphs).toHaveLength(3);
  });

  it('keeps the captions of a gallery, whose captions are most of its text', () => {
    const slides = prose('en').map((p, i) => `<figure><img src="/s${i}.jpg" alt=""><figcaption><p>${p}</p></figcaption></figure>`).join('');
    const gallery = new JSDOM(`<article><h1>Ten costumes</h1><p>Ideas for the weekend.</p>${slides}</article>`).window.document.body;
    expect(removeStructuralBoilerplate(gallery)).toEqual([]);
    expect(gallery.querySelectorAll('figcaption')).toHaveLength(3);
    const story = new JSDOM(`<article>${prose('en').map((p) => `<p>${p}</p>`).join('')}<figure><img src="/a.jpg" alt=""><figcaption>Crowds gather on Monday.</figcaption></figure></article>`).window.document.body;
    expect(removeStructuralBoilerplate(story)).toEqual(['tag:figcaption']);
  });

  it('removes a trailing author bio but not a paragraph about a reporter', () => {
    const bio = 'Jane Roe has worked as a staff writer at the Daily Bugle since 2019, covering transport and city hall.';
    const a = extractArticle(articlePage('en', '', { after: `<p>Jane Roe, Daily Bugle</p><p>${bio}</p>`, head: '<meta name="author" content="Jane Roe">' }), { url: URL });
    expect(a.text).not.toContain('Jane Roe');
    const story = 'A local reporter has worked for years on the council beat, officials said, and her reporting prompted the vote.';
    const b = extractArticle(articlePage('en', `<p>${story}</p>`), { url: URL });
    expect(b.paragraphs).toContain(story);
  });
});
