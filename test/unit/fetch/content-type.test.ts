import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeBody,
  detectCharset,
  isFeedContentType,
  isHtmlContentType,
  looksBinary,
  parseContentType,
} from '../../../src/shared/content-type.js';
import { httpGet } from '../../../src/shared/http.js';
import { createNetGuard } from '../../../src/shared/net-guard.js';
import { behave, startMisbehavingServer, type MisbehavingServer } from '../../helpers/misbehaving-server.js';

const ascii = (s: string) => Buffer.from(s, 'latin1');
const cat = (...parts: (string | number[] | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? ascii(p) : Buffer.from(p))));

// "café – “quoted”" in windows-1252
const CP1252 = cat('caf', [0xe9], ' ', [0x96], ' ', [0x93], 'quoted', [0x94]);
// "ニュース" in Shift_JIS
const SJIS = [0x83, 0x6a, 0x83, 0x85, 0x81, 0x5b, 0x83, 0x58];
// "Łódź" in ISO-8859-2
const LATIN2 = [0xa3, 0xf3, 0x64, 0xbc];

describe('decodeBody / detectCharset', () => {
  it('windows-1252 declared only in <meta charset>', () => {
    const html = cat('<html><head><meta charset="windows-1252"><title>', CP1252, '</title>');
    expect(detectCharset(html, 'text/html').source).toBe('meta');
    expect(decodeBody(html, 'text/html')).toContain('café – “quoted”');
  });

  it('<meta http-equiv="Content-Type"> with Shift_JIS', () => {
    const html = cat('<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><p>', SJIS, '</p>');
    expect(decodeBody(html, 'text/html')).toContain('<p>ニュース</p>');
  });

  it('ISO-8859-2 from the Content-Type header beats a wrong meta', () => {
    const html = cat('<meta charset="utf-8"><p>', LATIN2, '</p>');
    expect(detectCharset(html, 'text/html; charset=ISO-8859-2')).toMatchObject({ charset: 'iso-8859-2', source: 'header' });
    expect(decodeBody(html, 'text/html; charset="iso-8859-2"')).toContain('Łódź');
  });

  it('a UTF-8 BOM beats everything and is not part of the text', () => {
    const buf = cat([0xef, 0xbb, 0xbf], '<p>', Array.from(Buffer.from('naïve')), '</p>');
    expect(detectCharset(buf, 'text/html; charset=iso-8859-1').source).toBe('bom');
    expect(decodeBody(buf, 'text/html; charset=iso-8859-1')).toBe('<p>naïve</p>');
  });

  it('UTF-16LE with a BOM', () => {
    const buf = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<rss/>', 'utf16le')]);
    expect(decodeBody(buf)).toBe('<rss/>');
  });

  it('XML declaration encoding', () => {
    const xml = cat('<?xml version="1.0" encoding="EUC-KR"?><title>', [0xc7, 0xd1, 0xb1, 0xb9], '</title>');
    expect(decodeBody(xml, 'application/xml')).toContain('<title>한국</title>');
  });

  it('GBK in the header', () => {
    expect(decodeBody(Buffer.from([0xd6, 0xd0, 0xce, 0xc4]), 'text/plain; charset=gb2312')).toBe('中文');
  });

  it('no declaration: valid UTF-8 is UTF-8, anything else is windows-1252', () => {
    expect(decodeBody(Buffer.from('déjà vu'))).toBe('déjà vu');
    expect(detectCharset(CP1252).source).toBe('fallback');
    expect(decodeBody(CP1252)).toBe('café – “quoted”');
  });

  it('unknown labels fall through gracefully', () => {
    const buf = Buffer.from('héllo');
    expect(decodeBody(buf, 'text/plain; charset=x-klingon')).toBe('héllo');
    expect(decodeBody(cat('<meta charset="bogus">', [0xe9]), 'text/html')).toContain('é');
  });

  it('a <meta name> mentioning charset is not a declaration', () => {
    const buf = cat('<meta name="description" content="charset=shift_jis tips"><p>', Array.from(Buffer.from('é')), '</p>');
    expect(decodeBody(buf, 'text/html')).toContain('<p>é</p>');
  });
});

describe('content classification', () => {
  it('parseContentType', () => {
    expect(parseContentType('Text/HTML; Charset="UTF-8"')).toEqual({ mediaType: 'text/html', charset: 'UTF-8' });
    expect(parseContentType(undefined)).toEqual({ mediaType: '', charset: null });
  });

  it('isHtmlContentType / isFeedContentType', () => {
    expect(isHtmlContentType('text/html; charset=utf-8')).toBe(true);
    expect(isHtmlContentType('application/xhtml+xml')).toBe(true);
    expect(isHtmlContentType('application/rss+xml')).toBe(false);
    expect(isFeedContentType('application/rss+xml')).toBe(true);
    expect(isFeedContentType('application/atom+xml; charset=utf-8')).toBe(true);
    expect(isFeedContentType('text/xml')).toBe(true);
    expect(isFeedContentType('application/feed+json')).toBe(true);
    expect(isFeedContentType('image/png')).toBe(false);
  });

  it('looksBinary', () => {
    expect(looksBinary(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]))).toBe(true);
    expect(looksBinary(Buffer.from('%PDF-1.7'))).toBe(true);
    expect(looksBinary(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe(true);
    expect(looksBinary(Buffer.from('plain <b>text</b>\0 with a NUL'))).toBe(true);
    expect(looksBinary(Buffer.from('<html>fine</html>'))).toBe(false);
    expect(looksBinary(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<rss/>', 'utf16le')]))).toBe(false);
    expect(looksBinary(Buffer.alloc(0))).toBe(false);
  });
});

describe('httpGet decodes text the way decodeBody does', () => {
  let srv: MisbehavingServer;
  beforeAll(async () => {
    srv = await startMisbehavingServer({
      '/meta-1252': behave.body(cat('<html><head><meta charset="windows-1252"></head><body>', CP1252, '</body></html>'), 'text/html'),
      '/header-latin2': behave.body(cat('<p>', LATIN2, '</p>'), 'text/html; charset=iso-8859-2'),
      '/gzip-sjis': behave.compressed(cat('<?xml version="1.0" encoding="Shift_JIS"?><rss><channel><title>', SJIS, '</title></channel></rss>'), 'gzip', 'application/rss+xml'),
    });
  });
  afterAll(async () => {
    await srv.close();
  });
  const opts = () => ({ guard: createNetGuard(['127.0.0.1']) });

  it('windows-1252 declared only in meta', async () => {
    expect((await httpGet(srv.url('/meta-1252'), opts())).text).toContain('café – “quoted”');
  });
  it('ISO-8859-2 in the header', async () => {
    expect((await httpGet(srv.url('/header-latin2'), opts())).text).toBe('<p>Łódź</p>');
  });
  it('gzipped Shift_JIS feed declared in the XML declaration', async () => {
    expect((await httpGet(srv.url('/gzip-sjis'), opts())).text).toContain('<title>ニュース</title>');
  });
});
