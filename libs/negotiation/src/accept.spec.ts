import { describe, expect, it } from 'vitest';
import { negotiateResponseFormat } from './accept.js';

describe('negotiateResponseFormat', () => {
  it.each([
    [undefined, 'json', 'json'],
    [undefined, 'xml', 'xml'],
    [undefined, 'form', 'json'],
    ['*/*', 'xml', 'xml'],
    ['*/*', 'json', 'json'],
    ['application/xml', 'json', 'xml'],
    ['text/xml', 'json', 'xml'],
    ['application/json', 'xml', 'json'],
    ['text/json', 'xml', 'json'],
    ['application/xml;q=0.5, application/json;q=0.9', 'xml', 'json'],
    ['application/json;q=0.5, application/xml', 'json', 'xml'],
    ['text/html, application/xml;q=0.9, */*;q=0.8', 'json', 'xml'],
    ['text/*', 'json', 'json'],
    ['application/*', 'xml', 'xml'],
    ['*/*, application/xml;q=0, text/xml;q=0', 'xml', 'json'],
    ['application/json, application/xml', 'xml', 'xml'],
    ['application/json, application/xml', 'json', 'json'],
  ] as const)('Accept %j with a %s body → %s', (accept, body, expected) => {
    expect(negotiateResponseFormat(accept, body)).toBe(expected);
  });

  it.each(['text/html', 'image/png, text/plain', 'application/json;q=0, application/xml;q=0', 'application/problem+json'])('406 for %j', (accept) => {
    expect(negotiateResponseFormat(accept, 'json')).toBeUndefined();
  });

  it('answers the same when asked again: per body format, for a 406, past the remembered count and for long headers', () => {
    const both = 'application/json, application/xml';
    for (let round = 0; round < 2; round++) {
      expect(negotiateResponseFormat(both, 'xml')).toBe('xml');
      expect(negotiateResponseFormat(both, 'json')).toBe('json');
      expect(negotiateResponseFormat(both)).toBe('json');
      expect(negotiateResponseFormat('text/html', 'xml')).toBeUndefined();
      for (let i = 0; i < 300; i++) expect(negotiateResponseFormat(`application/xml;q=0.${i % 10}, application/json;q=0.5`, 'json')).toBe(i % 10 > 5 ? 'xml' : 'json');
      const long = `${'text/html, '.repeat(40)}text/xml;q=0.1`;
      expect(negotiateResponseFormat(long, 'json')).toBe('xml');
    }
  });
});
