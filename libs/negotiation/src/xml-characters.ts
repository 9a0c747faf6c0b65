/**
 * What XML 1.0 lets a document hold (§2.2 Char): #x9 | #xA | #xD | [#x20-#xD7FF] |
 * [#xE000-#xFFFD] | [#x10000-#x10FFFF]. Nothing else may appear, not even as a character
 * reference.
 */
export function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/**
 * The characters outside Char, for a regex character class: C0 controls but tab, LF and
 * CR, U+FFFE and U+FFFF. (Surrogates not in a pair are the others; strings decoded from
 * UTF-8 hold none, and String.prototype.toWellFormed replaces them.)
 */
export const NOT_XML_CHARACTER_RANGES = '\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF';
