import { describe, expect, it } from 'vitest';
import { MalformedBodyError, parseFormBody, parseJsonBody, parseXmlBody, readBody, UnreadableBody } from './body-parsers.js';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('body parsers', () => {
  it('parses forms, keeping repeated names as arrays', () => {
    expect(parseFormBody(b('grant_type=refresh_token&refresh_token=a%2Bb&scope=x+y'))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'a+b',
      scope: 'x y',
    });
    expect(parseFormBody(b('code=a&code=b'))).toEqual({ code: ['a', 'b'] });
    expect(parseFormBody(b('__proto__=x')).__proto__).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('parses JSON objects only', () => {
    expect(parseJsonBody(b('{"a":"1"}'))).toEqual({ a: '1' });
    expect(() => parseJsonBody(b('[1]'))).toThrow(MalformedBodyError);
    expect(() => parseJsonBody(b('{"a":'))).toThrow(MalformedBodyError);
  });

  it('parses XML into the root element and its children, as strings', () => {
    const { root, body } = parseXmlBody(
      b('<?xml version="1.0"?><OAuth2AuthTokenRequestModel xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Domain>acme</Domain><AuthorizationCode>  00123 </AuthorizationCode></OAuth2AuthTokenRequestModel>'),
    );
    expect(root).toBe('OAuth2AuthTokenRequestModel');
    expect(body).toEqual({ Domain: 'acme', AuthorizationCode: '00123' });
  });

  it('reads repeated, nested, empty and mixed elements into records (a repeated name as an array, for the endpoints to refuse)', () => {
    const { root, body } = parseXmlBody(
      b(
        '<r>\n  <a>1</a>\n  <a>2</a>\n  <b/><c></c>\n  <d><e>x</e><e><f>y</f></e></d>\n  <m>t<n>u</n>v</m>\n' +
          '  <!-- a comment --><k><![CDATA[<&>]]></k>\n  <w>  two words </w>\n</r>',
      ),
    );
    expect(root).toBe('r');
    expect(body).toEqual({ a: ['1', '2'], b: '', c: '', d: { e: ['x', { f: 'y' }] }, m: { n: 'u', '#text': 'tv' }, k: '<&>', w: 'two words' });
    expect(parseXmlBody(b('<r>text only</r>')).body).toEqual({});
    expect(parseXmlBody(b('<r/>')).body).toEqual({});
    // fast-xml-parser renames Object.prototype's member names, and refuses constructor and __proto__.
    expect(parseXmlBody(b('<r><hasOwnProperty>1</hasOwnProperty><toString>2</toString></r>')).body).toEqual({ __hasOwnProperty: '1', __toString: '2' });
    expect(() => parseXmlBody(b('<r><constructor>1</constructor></r>'))).toThrow();
  });

  it("decodes XML's five predefined entities and character references in text, not in CDATA (XML 1.0 §4.6, §4.1)", () => {
    const { body } = parseXmlBody(
      b('<r><a>x&amp;y&lt;z&gt;&quot;&apos;</a><b>&#65;&#x42;&#x1F600;&#9;</b><c>&amp;lt;&#38;amp;</c><d><![CDATA[&amp;]]></d><e>https://app.example/cb?a=1&amp;b=2</e></r>'),
    );
    expect(body).toEqual({ a: 'x&y<z>"\'', b: 'AB\u{1F600}\t', c: '&lt;&amp;', d: '&amp;', e: 'https://app.example/cb?a=1&b=2' });
  });

  it.each([
    ['an undeclared entity', '<r><a>&bogus;</a></r>'],
    ['an HTML entity, undeclared in XML', '<r><a>&nbsp;</a></r>'],
    ['a reference to NUL', '<r><a>x&#0;</a></r>'],
    ['a reference to a C0 control', '<r><a>x&#x1;</a></r>'],
    ['a reference to a surrogate', '<r><a>x&#xD800;</a></r>'],
    ['a reference to U+FFFE', '<r><a>x&#xFFFE;</a></r>'],
    ['a reference past U+10FFFF', '<r><a>x&#x110000;</a></r>'],
    ['a bare ampersand', '<r><a>a & b</a></r>'],
    ['a reference without its semicolon', '<r><a>&amp b</a></r>'],
    ['an empty character reference', '<r><a>&#;</a></r>'],
    ['a raw C0 control character', '<r><a>a\u0001b</a></r>'],
    ['a raw U+FFFF', '<r><a>a\uFFFFb</a></r>'],
  ])('refuses text holding %s as not well-formed (XML 1.0 §2.2, WFC: Entity Declared, Legal Character)', (_name, xml) => {
    expect(() => parseXmlBody(b(xml))).toThrow('The request body is not well-formed XML.');
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>'],
    ['an external entity', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'],
    ['billion laughs', `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`],
    ['a lowercase doctype', '<!doctype r><r/>'],
    ['deep nesting', `${'<a>'.repeat(100)}x${'</a>'.repeat(100)}`],
    ['broken XML', '<r><a>1</r>'],
    ['two roots', '<a/><b/>'],
  ])('refuses %s', (_name, xml) => {
    expect(() => parseXmlBody(b(xml))).toThrow(MalformedBodyError);
  });

  it('refuses XML nested deeper than 16 elements as too deep, and takes 16', () => {
    const nested = (depth: number) => `${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`;
    expect(() => parseXmlBody(b(nested(17)))).toThrow('The XML body is nested too deeply.');
    expect(() => parseXmlBody(b(nested(10_000)))).toThrow('The XML body is nested too deeply.');
    expect(parseXmlBody(b(nested(16))).root).toBe('a');
  });

  it('refuses a JSON member name repeated in one object (RFC 6749 §3.2), however it is escaped', () => {
    expect(() => parseJsonBody(b('{"code":"a","code":"b"}'))).toThrow('The code parameter is repeated.');
    expect(() => parseJsonBody(b('{"code":"a","\\u0063ode":"b"}'))).toThrow('The code parameter is repeated.');
    expect(parseJsonBody(b('{"a":{"x":"1"},"b":{"x":"2"},"c":["a","a"],"d":"\\"a\\",\\"a\\""}'))).toEqual({ a: { x: '1' }, b: { x: '2' }, c: ['a', 'a'], d: '"a","a"' });
  });

  it('refuses JSON nested deeper than 16 levels before parsing, but not brackets inside strings', () => {
    expect(() => parseJsonBody(b(`{"a":${'['.repeat(17)}${']'.repeat(17)}}`))).toThrow('nested too deeply');
    expect(parseJsonBody(b(`{"a":"${'['.repeat(100)}\\"{"}`))).toEqual({ a: `${'['.repeat(100)}"{` });
  });

  it.each([
    ['json', '{"client_id":"a\\u0000b"}'],
    ['json', '{"a\\u0000":"x"}'],
    ['form', 'client_id=a%00b'],
    ['xml', '<r><client_id>a\u0000b</client_id></r>'],
  ] as const)('answers a %s body holding a NUL character as malformed: %s', (format, body) => {
    const read = readBody(format, b(body));
    expect(read).toBeInstanceOf(UnreadableBody);
    expect((read as UnreadableBody).reason).toBe('malformed');
  });
});
