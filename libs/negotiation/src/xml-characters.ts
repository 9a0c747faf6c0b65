/**
 * What XML 1.0 lets a document hold (§2.2 Char) is #x9 | #xA | #xD | [#x20-#xD7FF] |
 * [#xE000-#xFFFD] | [#x10000-#x10FFFF]; nothing else may appear, not even as a character
 * reference. These are the ranges outside it, for a regex character class: C0 controls but
 * tab, LF and CR, U+FFFE and U+FFFF. Surrogates not in a pair are the rest (strings decoded
 * from UTF-8 hold none; String.prototype.isWellFormed finds them).
 */
export const NOT_XML_CHARACTER_RANGES = '\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF';

/** One character XML 1.0 does not allow, anywhere in a string. */
export const NOT_XML_CHARACTER = new RegExp(`[${NOT_XML_CHARACTER_RANGES}]`);

/** True when a code point is an XML 1.0 Char. */
export function isXmlCharacter(codePoint: number): boolean {
  if (!(codePoint >= 0 && codePoint <= 0x10ffff)) return false;
  const character = String.fromCodePoint(codePoint);
  return character.isWellFormed() && !NOT_XML_CHARACTER.test(character);
}
