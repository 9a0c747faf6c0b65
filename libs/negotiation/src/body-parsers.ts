import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { NOT_XML_CHARACTER } from './xml-characters.js';
import { IllegalXmlReferenceError, XmlReferenceDecoder } from './xml-references.js';

/** A body that cannot be read in its declared format: every dialect renders it as a 400. */
export class MalformedBodyError extends Error {
  constructor(
    readonly format: 'json' | 'xml' | 'form',
    message: string,
  ) {
    super(message);
    this.name = 'MalformedBodyError';
  }
}

/** Parsed bodies are flat records of strings (or string arrays when a name repeats). */
export type ParsedBody = Record<string, unknown>;

const MAX_XML_DEPTH = 16;
/** Token requests are flat; admin bodies hold arrays of strings. Deeper JSON is refused unread. */
const MAX_JSON_DEPTH = 16;

export function parseJsonBody(raw: Buffer): ParsedBody {
  const text = raw.toString('utf8');
  if (!text.trim()) return {};
  if (jsonNestingDepth(text) > MAX_JSON_DEPTH) throw new MalformedBodyError('json', 'The JSON body is nested too deeply.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedBodyError('json', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedBodyError('json', 'The request body must be a JSON object.');
  }
  // RFC 6749 §3.2 (parameters at most once), for JSON too: JSON.parse keeps the last of
  // two equal member names, so the repetition would otherwise pass unseen.
  const repeated = repeatedJsonMember(text);
  if (repeated !== undefined) throw new MalformedBodyError('json', `The ${repeated} parameter is repeated.`);
  return value as ParsedBody;
}

/**
 * The first member name that occurs twice in one object of a well-formed JSON text, by
 * value (so "a" and "\u0061" are the same name); undefined when there is none.
 */
function repeatedJsonMember(text: string): string | undefined {
  const stack: Array<{ names: Set<string> | null; expectName: boolean }> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') stack.push({ names: new Set(), expectName: true });
    else if (c === '[') stack.push({ names: null, expectName: false });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.names) top.expectName = true;
    } else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      const top = stack[stack.length - 1];
      if (top?.names && top.expectName) {
        const name = JSON.parse(text.slice(start, i + 1)) as string;
        if (top.names.has(name)) return name;
        top.names.add(name);
        top.expectName = false;
      }
    }
  }
  return undefined;
}

/**
 * application/x-www-form-urlencoded. A repeated name keeps every value (as an array) so
 * that the endpoint can refuse it (RFC 6749 §3.2: parameters must not be included more
 * than once).
 */
export function parseFormBody(raw: Buffer): ParsedBody {
  const body: ParsedBody = Object.create(null);
  for (const [name, value] of new URLSearchParams(raw.toString('utf8'))) {
    const existing = body[name];
    if (existing === undefined) body[name] = value;
    else body[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return { ...body };
}

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  // &amp; and &#38; in a value mean "&" (XmlSerializer escapes every & it writes); one shared
  // decoder for every parse, strict about what a document without a DTD may reference.
  processEntities: true,
  entityDecoder: new XmlReferenceDecoder(),
  // No callbacks take a path here: skip building its string for every text node.
  jPath: false,
  // The parser counts the open ancestors of an element as it goes (the root's element
  // not among them) and stops past this count, so past MAX_XML_DEPTH elements deep (its
  // object builder recurses); the validator before it keeps its own stack, needs no limit.
  maxNestedTags: MAX_XML_DEPTH - 1,
});
const NOT_WELL_FORMED = 'The request body is not well-formed XML.';
/** What fast-xml-parser throws past maxNestedTags. */
const TOO_DEEP = 'Maximum nested tags exceeded';

/**
 * XML, refusing any DOCTYPE or entity declaration before the parser sees it (no
 * expansion, no external entities, no billion laughs) and documents nested deeper than
 * anything a token request needs. Answers the children of the root element.
 */
export function parseXmlBody(raw: Buffer): { root: string; body: ParsedBody } {
  const text = raw.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY|<!ELEMENT|<!ATTLIST/i.test(text)) {
    throw new MalformedBodyError('xml', 'XML document type and entity declarations are not allowed.');
  }
  // fast-xml-parser's validator lets through characters XML does not allow (WFC: Legal Character).
  if (NOT_XML_CHARACTER.test(text) || XMLValidator.validate(text) !== true) throw new MalformedBodyError('xml', NOT_WELL_FORMED);
  let document: Record<string, unknown>;
  try {
    document = xmlParser.parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof Error && error.message === TOO_DEEP) throw new MalformedBodyError('xml', 'The XML body is nested too deeply.');
    if (error instanceof IllegalXmlReferenceError) throw new MalformedBodyError('xml', NOT_WELL_FORMED);
    throw error;
  }
  const roots = Object.keys(document);
  if (roots.length !== 1) throw new MalformedBodyError('xml', 'The XML body must have exactly one root element.');
  const root = roots[0]!;
  const content = document[root];
  return { root, body: typeof content === 'object' && content !== null ? (content as ParsedBody) : {} };
}

/** Nesting of arrays and objects, counted on the text (brackets inside strings skipped) before parsing. */
function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > MAX_JSON_DEPTH) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * True when a name or value anywhere in a parsed body holds a NUL character. No token,
 * client id or secret has one, and Postgres text cannot store one (it fails the query),
 * so a body carrying one is unreadable, whatever the endpoint. Bodies are at most
 * MAX_JSON_DEPTH deep, so the walk is bounded.
 */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(containsNul);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([name, inner]) => name.includes('\0') || containsNul(inner));
  }
  return false;
}

/**
 * What a parser hands to the route when the body could not be read: parsing never fails
 * before the route, so that each endpoint answers in its own error shape (malformed →
 * 400, unsupported_media_type → 415, too_large → 413).
 */
export class UnreadableBody {
  constructor(
    readonly reason: 'malformed' | 'unsupported_media_type' | 'too_large',
    readonly message: string,
    readonly contentType?: string,
  ) {}
}

/** A parsed request body, with the format it came in. */
export interface NegotiatedBody {
  format: 'json' | 'xml' | 'form';
  fields: ParsedBody;
  /** XML only: the root element's name. */
  root?: string;
}

export function isUnreadableBody(body: unknown): body is UnreadableBody {
  return body instanceof UnreadableBody;
}

/** The description of a body over the size limit, for every endpoint's 413. */
export const BODY_TOO_LARGE_MESSAGE = 'The request body is too large.';

/** Parses a raw body by its declared format, never throwing. A NUL character anywhere makes it malformed. */
export function readBody(format: 'json' | 'xml' | 'form', raw: Buffer): NegotiatedBody | UnreadableBody {
  try {
    const parsed: NegotiatedBody =
      format === 'json' ? { format, fields: parseJsonBody(raw) } : format === 'form' ? { format, fields: parseFormBody(raw) } : xmlBody(raw);
    if (containsNul(parsed.fields) || parsed.root?.includes('\0')) {
      return new UnreadableBody('malformed', 'The request body contains a NUL character.');
    }
    return parsed;
  } catch (error) {
    if (error instanceof MalformedBodyError) return new UnreadableBody('malformed', error.message);
    // Whatever else a parser throws (never expected) still means the body cannot be read.
    return new UnreadableBody('malformed', `The request body is not valid ${format === 'form' ? 'form data' : format.toUpperCase()}.`);
  }
}

function xmlBody(raw: Buffer): NegotiatedBody {
  const { root, body } = parseXmlBody(raw);
  return { format: 'xml', fields: body, root };
}
