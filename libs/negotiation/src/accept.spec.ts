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
});
