import { describe, expect, it } from 'vitest';
import { XMLValidator } from 'fast-xml-parser';
import { writeXml } from './xml-writer.js';

describe('writeXml', () => {
  it('writes the root with attributes in order, children in order, no indentation', () => {
    expect(
      writeXml({
        root: 'AuthTokenResponseModel',
        attributes: { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xmlns:xsd': 'http://www.w3.org/2001/XMLSchema' },
        content: { access_token: 'a<b', refresh_token: 'r', token_type: 'Bearer', expires_in: 3600, Name: 'Ada & Co' },
      }),
    ).toBe(
      '<AuthTokenResponseModel xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
        '<access_token>a&lt;b</access_token><refresh_token>r</refresh_token><token_type>Bearer</token_type><expires_in>3600</expires_in><Name>Ada &amp; Co</Name>' +
        '</AuthTokenResponseModel>',
    );
  });

  it('escapes the five predefined entities in text, nested text, arrays and attributes, once', () => {
    expect(writeXml({ root: 'r', attributes: { note: `a"b'c<&>` }, content: { t: `&amp; <x> "q" 'a'`, n: { m: 'x&y' }, l: ['<', '>'] } })).toBe(
      '<r note="a&quot;b&apos;c&lt;&amp;&gt;"><t>&amp;amp; &lt;x&gt; &quot;q&quot; &apos;a&apos;</t><n><m>x&amp;y</m></n><l>&lt;</l><l>&gt;</l></r>',
    );
  });

  it('nests objects, leaves out undefined, and can add a declaration', () => {
    expect(writeXml({ root: 'r', content: { a: { b: '1', c: undefined } }, declaration: true })).toBe(
      '<?xml version="1.0" encoding="utf-8"?><r><a><b>1</b></a></r>',
    );
  });

  it('writes a character XML 1.0 cannot hold (C0 controls, U+FFFE, U+FFFF, lone surrogates) as U+FFFD, so that the document stays well-formed', () => {
    const xml = writeXml({ root: 'r', attributes: { a: 'x\u0001' }, content: { Name: 'a\u0001b\u001Fc\uFFFEd\uD800e\uDC00f\u{1F600}\t\n\r<' } });
    expect(xml).toBe('<r a="x\uFFFD"><Name>a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\u{1F600}\t\n\r&lt;</Name></r>');
    expect(XMLValidator.validate(xml)).toBe(true);
  });
});
