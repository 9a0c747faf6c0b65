import { EntityDecoder } from '@nodable/entities';
import type { EntityDecoderOptions } from 'fast-xml-parser';
import { isXmlCharacter } from './xml-characters.js';

/**
 * Thrown for a reference that a well-formed XML document cannot hold; parseXmlBody answers
 * it as a malformed body.
 */
export class IllegalXmlReferenceError extends Error {
  constructor(readonly reference: string) {
    super(`The XML reference ${reference} is not allowed.`);
    this.name = 'IllegalXmlReferenceError';
  }
}

/** Every `&…;` in a text (the validator has already refused a `&` that starts none). */
const REFERENCE = /&([^;]*);/g;
const PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
const CHARACTER_REFERENCE = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/;

/** A reference a document without a DTD may hold: one of the five predefined entities, or a character reference to a Char. */
function isAllowedReference(name: string): boolean {
  if (PREDEFINED.has(name)) return true;
  const digits = CHARACTER_REFERENCE.exec(name);
  if (!digits) return false;
  // Long digit strings parse past 0x10FFFF (or to Infinity), which isXmlCharacter refuses.
  const codePoint = digits[1] !== undefined ? parseInt(digits[1], 16) : parseInt(digits[2]!, 10);
  return isXmlCharacter(codePoint);
}

/**
 * The references in a request's text, decoded as XML 1.0 defines them for a document
 * without a DTD (DOCTYPEs are refused before parsing): the five predefined entities and
 * character references (§4.1, §4.6). Any other entity is undeclared and a reference to a
 * character outside Char is illegal, so both make the document not well-formed (WFC:
 * Entity Declared, WFC: Legal Character) and are refused: @nodable/entities, which does the
 * decoding, would leave the first as literal text and drop the second without a trace.
 *
 * One instance serves every parse (fast-xml-parser's `entityDecoder` option), where the
 * parser would otherwise build a decoder, with its entity maps, for each document.
 */
export class XmlReferenceDecoder implements EntityDecoderOptions {
  private readonly decoder = new EntityDecoder({ numericAllowed: true });

  decode(text: string): string {
    if (!text.includes('&')) return text;
    for (const [reference, name] of text.matchAll(REFERENCE)) {
      if (!isAllowedReference(name!)) throw new IllegalXmlReferenceError(reference);
    }
    return this.decoder.decode(text);
  }

  reset(): void {
    this.decoder.reset();
  }

  setXmlVersion(version: number): void {
    this.decoder.setXmlVersion(version);
  }

  /** Only a DTD declares entities, and a document with one never reaches the parser. */
  addInputEntities(): void {
    throw new IllegalXmlReferenceError('declaration');
  }

  setExternalEntities(): void {
    throw new Error('XmlReferenceDecoder decodes XML 1.0 references only.');
  }
}
