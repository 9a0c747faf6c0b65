import { XMLBuilder } from 'fast-xml-parser';
import { NOT_XML_CHARACTER_RANGES } from './xml-characters.js';

/** An XML document as the vendors write them: one root element, optional attributes. */
export interface XmlDocument {
  root: string;
  /** Attributes of the root element in order, e.g. xmlns declarations. */
  attributes?: Record<string, string>;
  /** Child elements in order; nested objects become nested elements, arrays repeat. */
  content: Record<string, unknown>;
  /** Prepend `<?xml version="1.0" encoding="utf-8"?>`. */
  declaration?: boolean;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: false,
  suppressEmptyNode: false,
  suppressBooleanAttributes: false,
  // Values are escaped below, once each: the builder's own escaping runs one regex
  // replace per entity over every value (five passes over each token it writes).
  processEntities: false,
});

/** Serializes without indentation; text and attribute values are escaped. */
export function writeXml(document: XmlDocument): string {
  const element: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(document.attributes ?? {})) element[`@_${name}`] = escapeXml(value);
  const xml = builder.build({ [document.root]: Object.assign(element, escapedContent(document.content)) }) as string;
  return document.declaration ? `<?xml version="1.0" encoding="utf-8"?>${xml}` : xml;
}

/** The content without undefined members, its strings escaped (nested objects and arrays too). */
function escapedContent(content: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(content)) {
    if (value !== undefined) out[name] = escapedValue(value);
  }
  return out;
}

function escapedValue(value: unknown): unknown {
  if (typeof value === 'string') return escapeXml(value);
  if (Array.isArray(value)) return value.map(escapedValue);
  if (value !== null && typeof value === 'object') return escapedContent(value as Record<string, unknown>);
  return value;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// The five predefined entities, and what XML 1.0 cannot hold at all, not even as a
// character reference; surrogates not in a pair are left to toWellFormed().
const NEEDS_ESCAPE = new RegExp(`[&<>"'${NOT_XML_CHARACTER_RANGES}]`);
const TO_ESCAPE = new RegExp(NEEDS_ESCAPE.source, 'g');

/**
 * The five predefined entities, as the builder wrote them; a character XML cannot hold
 * (a control character in a user's name, say) becomes U+FFFD, so that no value can make an
 * answer that the client's XML parser refuses. Most values (tokens, numbers) have none.
 */
function escapeXml(value: string): string {
  const wellFormed = value.toWellFormed();
  return NEEDS_ESCAPE.test(wellFormed) ? wellFormed.replace(TO_ESCAPE, (c) => XML_ESCAPES[c] ?? '\uFFFD') : wellFormed;
}
