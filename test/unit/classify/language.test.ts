import { describe, expect, it } from 'vitest';
import { detectLanguage, ISO639_3_TO_1 } from '../../../src/workers/classify/language.js';

describe('detectLanguage', () => {
  it.each([
    ['en', 'The government announced on Tuesday that it would raise taxes on large companies to pay for new hospitals and schools.'],
    ['fr', 'Le gouvernement a annoncé mardi qu’il augmenterait les impôts des grandes entreprises pour financer de nouveaux hôpitaux.'],
    ['de', 'Die Regierung kündigte am Dienstag an, die Steuern für große Unternehmen zu erhöhen, um neue Krankenhäuser zu bezahlen.'],
    ['es', 'El gobierno anunció el martes que subirá los impuestos a las grandes empresas para pagar nuevos hospitales y escuelas.'],
  ])('recognises %s', (code, text) => {
    expect(detectLanguage(text)).toBe(code);
  });

  it('returns null when the text is too short to tell', () => {
    expect(detectLanguage('Breaking news')).toBeNull();
    expect(detectLanguage('')).toBeNull();
  });

  it('maps only to two-letter codes', () => {
    expect(Object.keys(ISO639_3_TO_1).length).toBeGreaterThanOrEqual(60);
    for (const v of Object.values(ISO639_3_TO_1)) expect(v).toMatch(/^[a-z]{2}$/);
  });
});
