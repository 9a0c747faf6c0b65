import { XMLBuilder } from 'fast-xml-parser';

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
  processEntities: true,
});

/** Serializes without indentation; text and attribute values are escaped. */
export function writeXml(document: XmlDocument): string {
  const attributes = Object.fromEntries(Object.entries(document.attributes ?? {}).map(([k, v]) => [`@_${k}`, v]));
  const xml = builder.build({ [document.root]: { ...attributes, ...withoutUndefined(document.content) } }) as string;
  return document.declaration ? `<?xml version="1.0" encoding="utf-8"?>${xml}` : xml;
}

function withoutUndefined(content: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(content)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v !== null && typeof v === 'object' && !Array.isArray(v) ? withoutUndefined(v as Record<string, unknown>) : v]),
  );
}
