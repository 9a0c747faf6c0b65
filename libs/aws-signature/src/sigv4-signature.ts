import { createHash, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

/**
 * AWS Signature Version 4 for requests signed in the Authorization header
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), from the
 * verifying side: parse the header, rebuild the canonical request from the request as
 * received, derive the signing key from the secret and compare in constant time. Pure: no
 * I/O, no clock but what the caller passes.
 *
 * The canonical request follows the AWS SDKs' signer (@smithy/signature-v4) for services
 * other than S3: the path normalised (`.`/`..` and empty segments removed) and URI-encoded
 * once more (the "double encoding" of the spec), the query sorted by encoded name then
 * value, the signed headers lower-cased with values trimmed and inner whitespace collapsed.
 */

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** SHA-256 of the empty string: the payload hash of a request without a body. */
export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The parts of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
export interface Sigv4Authorization {
  accessKeyId: string;
  /** yyyymmdd of the credential scope. */
  date: string;
  region: string;
  service: string;
  /** `<date>/<region>/<service>/aws4_request` */
  scope: string;
  /** Lower-case, in the order given (which must be sorted). */
  signedHeaders: string[];
  /** 64 lower-case hex digits. */
  signature: string;
}

/** A request as the server received it. */
export interface Sigv4Request {
  method: string;
  /** The request target as received: raw path and optional query (`/a/b?x=1`). */
  url: string;
  /** Header names in lower case (Node's IncomingHttpHeaders). */
  headers: Record<string, string | string[] | undefined>;
}

/** True when the header uses the SigV4 scheme (whether or not it is well-formed). */
export function isSigv4Authorization(header: string | undefined): boolean {
  return typeof header === 'string' && header.startsWith(`${SIGV4_ALGORITHM} `);
}

const CREDENTIAL = /^([A-Z0-9]{1,128})\/(\d{8})\/([a-z0-9-]{1,64})\/([a-z0-9-]{1,64})\/aws4_request$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** The header's parts, or null when it is not a well-formed SigV4 Authorization header. */
export function parseSigv4Authorization(header: string | undefined): Sigv4Authorization | null {
  if (!isSigv4Authorization(header) || header!.length > 4096) return null;
  const fields = new Map<string, string>();
  for (const part of header!.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const trimmed = part.trim();
    const eq = trimmed.indexOf('=');
    if (eq <= 0) return null;
    const name = trimmed.slice(0, eq);
    if (fields.has(name)) return null;
    fields.set(name, trimmed.slice(eq + 1));
  }
  if (fields.size !== 3) return null;
  const credential = CREDENTIAL.exec(fields.get('Credential') ?? '');
  const signedHeaders = (fields.get('SignedHeaders') ?? '').split(';');
  const signature = fields.get('Signature') ?? '';
  if (!credential || !/^[0-9a-f]{64}$/.test(signature)) return null;
  if (signedHeaders.some((h) => !HEADER_NAME.test(h))) return null;
  if (signedHeaders.join(';') !== [...new Set(signedHeaders)].sort().join(';')) return null;
  const [, accessKeyId, date, region, service] = credential as unknown as [string, string, string, string, string];
  return { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/aws4_request`, signedHeaders, signature };
}

/** RFC 3986 unreserved characters stay, everything else is percent-encoded (AWS's UriEncode). */
export function awsUriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonical URI: the normalised path, URI-encoded (again), slashes kept. */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return awsUriEscape(normalized).replace(/%2F/g, '/');
}

/** The canonical query string: each name and value decoded then UriEncoded, sorted by name, then value. */
export function canonicalQuery(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = safeDecode(eq < 0 ? part : part.slice(0, eq));
    if (name.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([awsUriEscape(name), awsUriEscape(safeDecode(eq < 0 ? '' : part.slice(eq + 1)))]);
  }
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A header's canonical value: values of a repeated header joined by commas, whitespace trimmed and collapsed. */
export function canonicalHeaderValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

function header(headers: Sigv4Request['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The payload hash the signer used: x-amz-content-sha256 when sent, else the hash of an empty body. */
export function payloadHash(request: Sigv4Request): string {
  return header(request.headers, 'x-amz-content-sha256') ?? EMPTY_PAYLOAD_SHA256;
}

/** The canonical request, or null when a signed header is missing from the request. */
export function canonicalRequest(request: Sigv4Request, signedHeaders: string[]): string | null {
  const q = request.url.indexOf('?');
  const path = q < 0 ? request.url : request.url.slice(0, q);
  const query = q < 0 ? '' : request.url.slice(q + 1);
  const lines: string[] = [];
  for (const name of signedHeaders) {
    const value = canonicalHeaderValue(request.headers[name]);
    if (value === undefined) return null;
    lines.push(`${name}:${value}`);
  }
  // Each canonical header line ends with a newline, hence the empty line before the signed-header list.
  return [request.method.toUpperCase(), canonicalPath(path), canonicalQuery(query), ...lines, '', signedHeaders.join(';'), payloadHash(request)].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

/** The hex signature of a request under a secret. */
export function computeSignature(request: Sigv4Request, authorization: Sigv4Authorization, amzDate: string, secretAccessKey: string): string | null {
  const canonical = canonicalRequest(request, authorization.signedHeaders);
  if (canonical === null) return null;
  const key = signingKey(secretAccessKey, authorization.date, authorization.region, authorization.service);
  return createHmac('sha256', createSecretKey(key)).update(stringToSign(amzDate, authorization.scope, canonical), 'utf8').digest('hex');
}

/** Whether the request's signature is the one the secret produces (constant-time comparison). */
export function signatureMatches(request: Sigv4Request, authorization: Sigv4Authorization, amzDate: string, secretAccessKey: string): boolean {
  const expected = computeSignature(request, authorization, amzDate, secretAccessKey);
  if (expected === null) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(authorization.signature, 'hex'));
}

/** `yyyymmddThhmmssZ` (X-Amz-Date) as a Date, or null. */
export function parseAmzDate(value: string | undefined): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? date : null;
}

/** Buffer keys go in as KeyObjects: Node 24 took ~14 us per createHmac to check a raw Buffer key, ~4 us this way. */
function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', typeof key === 'string' ? key : createSecretKey(key)).update(data, 'utf8').digest();
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}
