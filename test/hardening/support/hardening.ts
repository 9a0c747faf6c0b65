import { XMLParser } from 'fast-xml-parser';
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { TEST_ADMIN_TOKEN } from '../../support/test-app.js';

/**
 * Shared pieces of the hardening suites: replies read whatever their format, a tally of what
 * was tried, the error shape of every dialect, and flows through each dialect against any
 * running service (in-process or a separate process), set up through the admin API.
 */

/** Rate limits off: these suites fire hundreds of requests from one IP on purpose. */
export const NO_RATE_LIMITS = { RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURE_LIMIT_PER_MINUTE: '0' } as const;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** JSON parsed; XML as {root: {children}} with string values; anything else the text. */
  body: any;
}

const xml = new XMLParser({ parseTagValue: false, ignoreDeclaration: true, ignoreAttributes: true });

export async function read(res: Response): Promise<Reply> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  let body: unknown = text;
  try {
    if (type.includes('json') && text) body = JSON.parse(text);
    else if (type.includes('xml') && text) body = xml.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, text, body };
}

export async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  return read(await fetch(url, init));
}

/**
 * What a suite tried, for the figures in its last line: requests sent, faults injected,
 * tokens checked, and 5xx answers (`serverErrors`: any 500; `unavailable`: the 503s a
 * database fault is expected to cause).
 */
export class Tally {
  requests = 0;
  faults = 0;
  tokensChecked = 0;
  serverErrors = 0;
  unavailable = 0;
  readonly statuses = new Map<number, number>();

  constructor(readonly label: string) {}

  record(reply: { status: number }): void {
    this.requests++;
    this.statuses.set(reply.status, (this.statuses.get(reply.status) ?? 0) + 1);
    if (reply.status === 503) this.unavailable++;
    else if (reply.status >= 500) this.serverErrors++;
  }

  async send(url: string, init: RequestInit = {}): Promise<Reply> {
    const reply = await send(url, init);
    this.record(reply);
    return reply;
  }

  summary(): string {
    const statuses = [...this.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    return (
      `[hardening] ${this.label}: ${this.requests} requests (${statuses}), ${this.faults} faults injected, ` +
      `${this.tokensChecked} tokens checked, ${this.serverErrors} 500s, ${this.unavailable} 503s`
    );
  }
}

/** Text that only a server fault would put in an answer: a stack frame, SQL, driver or file names. */
export const LEAK_MARKERS = [
  /\bat (?:async )?[\w$.<>]+ \(/,
  /\bstack\b/i,
  /node_modules/,
  /\.[jt]s:\d+/,
  /QueryFailedError|driverError|DatabaseError/,
  /syntax error at or near/i,
  /\b(?:SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[\s\S]*\b(?:FROM|VALUES|SET|WHERE)\b/,
  /"(?:clients|grants|refresh_tokens|authorization_codes|issued_tokens|users)"/,
  /violates .* constraint|invalid byte sequence/i,
];

/** The leak markers an answer matches that the request itself did not contain. */
export function leaks(answer: string, request = ''): string[] {
  return LEAK_MARKERS.filter((marker) => marker.test(answer) && !marker.test(request)).map(String);
}

export type DialectName = 'standard' | 'midnight' | 'huawei' | 'dressipi' | 'aws-signin';
export type BodyFormat = 'json' | 'xml' | 'form';

export interface TokenEndpoint {
  dialect: DialectName;
  path: string;
  /** The body formats it reads; others are 415. */
  formats: BodyFormat[];
  /** Its request's field names, for generated bodies. */
  fields: string[];
  /** The XML root element of its request. */
  xmlRoot: string;
}

export const TOKEN_ENDPOINTS: TokenEndpoint[] = [
  {
    dialect: 'standard',
    path: '/oauth2/token',
    formats: ['form'],
    fields: ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope', 'client_id', 'client_secret'],
    xmlRoot: 'TokenRequest',
  },
  {
    dialect: 'midnight',
    path: '/v1/Token/OAuth2/AuthorizationCode',
    formats: ['json', 'xml'],
    fields: ['Domain', 'AuthorizationCode', 'CodeVerifier', 'RedirectUri', 'UserPoolWebClientId'],
    xmlRoot: 'OAuth2AuthTokenRequestModel',
  },
  {
    dialect: 'huawei',
    path: '/api/v1/oauth2/token',
    formats: ['form', 'json', 'xml'],
    fields: ['grant_type', 'code', 'client_id', 'client_secret', 'redirect_uri', 'code_verifier', 'refresh_token'],
    xmlRoot: 'TokenRequest',
  },
  {
    dialect: 'dressipi',
    path: '/oauth/token',
    formats: ['json', 'form', 'xml'],
    fields: ['redirect_uri', 'grant_type', 'code', 'refresh_token', 'client_id', 'code_verifier'],
    xmlRoot: 'token_request',
  },
  {
    dialect: 'aws-signin',
    path: '/v1/token',
    formats: ['json', 'xml'],
    fields: ['clientId', 'code', 'codeVerifier', 'grantType', 'redirectUri', 'refreshToken'],
    xmlRoot: 'CreateOAuth2TokenRequest',
  },
];

const RFC_ERROR = /^(?:invalid_request|invalid_client|invalid_grant|unauthorized_client|unsupported_grant_type|invalid_scope|access_denied|unsupported_response_type|invalid_token|insufficient_scope|invalid_dpop_proof|server_error|temporarily_unavailable|too_many_requests)$/;
const AWS_EXCEPTIONS = ['ValidationException', 'AccessDeniedException', 'TooManyRequestsError', 'InternalServerException'];

/**
 * Why an error answer is not in the dialect's own shape (empty when it is): the content
 * type, the members and their types, no-store, and (aws-signin) x-amzn-ErrorType.
 */
export function shapeProblems(dialect: DialectName, reply: Reply): string[] {
  const problems: string[] = [];
  const type = reply.headers.get('content-type') ?? '';
  const format = type.startsWith('application/json') ? 'json' : type.startsWith('application/xml') ? 'xml' : null;
  if (!format) return [`content-type ${type}`];
  if (reply.headers.get('cache-control') !== 'no-store') problems.push(`cache-control ${reply.headers.get('cache-control')}`);
  if (dialect === 'standard' && format !== 'json') problems.push('standard errors are JSON');
  const body = reply.body;
  if (typeof body !== 'object' || body === null) return [...problems, `body ${reply.text.slice(0, 100)}`];
  const only = (object: unknown, keys: string[], optional: string[] = []) => {
    if (typeof object !== 'object' || object === null) return problems.push(`not an object: ${JSON.stringify(object)}`);
    const actual = Object.keys(object);
    const missing = keys.filter((k) => !actual.includes(k));
    const extra = actual.filter((k) => !keys.includes(k) && !optional.includes(k));
    if (missing.length || extra.length) problems.push(`members ${actual.join(',')}`);
    return 0;
  };
  switch (dialect) {
    case 'standard':
    case 'huawei':
    case 'dressipi': {
      const root = dialect === 'huawei' ? 'ErrorResponse' : dialect === 'dressipi' ? 'error_response' : null;
      const members = format === 'xml' ? body[root!] : body;
      if (format === 'xml' && Object.keys(body).join() !== root) problems.push(`xml root ${Object.keys(body).join()}`);
      only(members, ['error', 'error_description']);
      if (!RFC_ERROR.test(String(members?.error))) problems.push(`error ${members?.error}`);
      if (typeof members?.error_description !== 'string') problems.push('error_description');
      break;
    }
    case 'midnight': {
      const members = format === 'xml' ? body.Error : body;
      if (format === 'xml' && Object.keys(body).join() !== 'Error') problems.push(`xml root ${Object.keys(body).join()}`);
      only(members, ['Message'], ['ModelState']);
      if (typeof members?.Message !== 'string') problems.push('Message');
      break;
    }
    case 'aws-signin': {
      const exception = reply.headers.get('x-amzn-errortype') ?? '';
      if (!AWS_EXCEPTIONS.includes(exception)) problems.push(`x-amzn-ErrorType ${exception}`);
      const members = format === 'xml' ? body[exception] : body;
      if (format === 'xml' && Object.keys(body).join() !== exception) problems.push(`xml root ${Object.keys(body).join()}`);
      only(members, ['error', 'message']);
      if (typeof members?.error !== 'string' || typeof members?.message !== 'string') problems.push('error/message');
      break;
    }
  }
  return problems;
}

/**
 * Every endpoint that reads a request: the five token endpoints, the other standard
 * endpoints, the authorization pages (HTML) and dressipi's out-of-band authorize (a query).
 * `shape` names the error shape it answers in; `base` the plausible request that hostile
 * input is mixed into (real client ids and credentials, so that it reaches the core).
 */
export interface Target {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  shape: DialectName | 'html';
  /** Body formats it reads (none for GET). */
  formats: BodyFormat[];
  xmlRoot: string;
  base: Record<string, string>;
  /** Headers every request carries (dressipi's x-api-key, aws-signin's DPoP proof). */
  headers(): Promise<Record<string, string>>;
  /** Besides 4xx, the statuses a plausible request may get (a sign-in page, a redirect, a new code). */
  alsoFine: number[];
}

export interface TargetContext {
  baseUrl: string;
  clients: Record<DialectName, Client>;
  dpop: DpopKey;
}

export function targets({ baseUrl, clients, dpop }: TargetContext): Target[] {
  const none = async () => ({});
  const verifier = 'v'.repeat(43);
  const standard = clients.standard;
  const standardAuth = { client_id: standard.clientId, client_secret: standard.clientSecret! };
  const tokenEndpoint = (endpoint: TokenEndpoint, base: Record<string, string>, headers = none): Target => ({
    name: `${endpoint.dialect} ${endpoint.path}`,
    method: 'POST',
    path: endpoint.path,
    shape: endpoint.dialect,
    formats: endpoint.formats,
    xmlRoot: endpoint.xmlRoot,
    base,
    headers,
    alsoFine: [],
  });
  const [std, midnight, huawei, dressipi, aws] = TOKEN_ENDPOINTS as [TokenEndpoint, TokenEndpoint, TokenEndpoint, TokenEndpoint, TokenEndpoint];
  const authorizeQuery = { client_id: standard.clientId, response_type: 'code', redirect_uri: standard.redirectUri, scope: 'openid', state: 'xyz', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' };
  return [
    tokenEndpoint(std, { grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: standard.redirectUri, code_verifier: verifier, ...standardAuth }),
    tokenEndpoint(midnight, { Domain: 'contoso', AuthorizationCode: 'not-a-code', CodeVerifier: verifier, RedirectUri: clients.midnight.redirectUri, UserPoolWebClientId: clients.midnight.clientId }),
    tokenEndpoint(huawei, {
      grant_type: 'authorization_code',
      code: 'not-a-code',
      client_id: clients.huawei.clientId,
      client_secret: clients.huawei.clientSecret!,
      redirect_uri: clients.huawei.redirectUri,
      code_verifier: verifier,
    }),
    tokenEndpoint(dressipi, { grant_type: 'authorization_code', code: 'not-a-code', client_id: clients.dressipi.clientId, redirect_uri: DRESSIPI_OOB, code_verifier: verifier }, async () => ({
      'x-api-key': clients.dressipi.apiKey!,
    })),
    tokenEndpoint(aws, { clientId: clients['aws-signin'].clientId, grantType: 'refresh_token', refreshToken: 'not-a-refresh-token' }, async () => ({
      dpop: await dpopProof(dpop, `${baseUrl}/v1/token`),
    })),
    // RFC 7009 §2.2 and RFC 7662 §2.2: an authenticated client gets 200 for any token (revoked, or {"active": false}).
    { ...tokenEndpoint(std, { token: 'not-a-token', token_type_hint: 'refresh_token', ...standardAuth }), name: 'standard /oauth2/revoke', path: '/oauth2/revoke', xmlRoot: 'revoke', alsoFine: [200] },
    { ...tokenEndpoint(std, { token: 'not-a-token', token_type_hint: 'access_token', ...standardAuth }), name: 'standard /oauth2/introspect', path: '/oauth2/introspect', xmlRoot: 'introspect', alsoFine: [200] },
    { ...tokenEndpoint(std, { access_token: 'not-a-token' }), name: 'standard POST /oauth2/userinfo', path: '/oauth2/userinfo', xmlRoot: 'userinfo' },
    { ...tokenEndpoint(std, {}, async () => ({ authorization: 'Bearer not-a-token' })), name: 'standard GET /oauth2/userinfo', method: 'GET', path: '/oauth2/userinfo', formats: [] },
    {
      name: 'POST /oauth2/authorize',
      method: 'POST',
      path: '/oauth2/authorize',
      shape: 'html',
      formats: ['form'],
      xmlRoot: 'authorize',
      base: authorizeQuery,
      headers: none,
      alsoFine: [200, 303],
    },
    { name: 'GET /oauth2/authorize', method: 'GET', path: '/oauth2/authorize', shape: 'html', formats: [], xmlRoot: 'authorize', base: authorizeQuery, headers: none, alsoFine: [200, 303] },
    {
      name: 'dressipi GET /oauth/authorize',
      method: 'GET',
      path: '/oauth/authorize',
      shape: 'dressipi',
      formats: [],
      xmlRoot: 'authorize',
      base: { client_id: clients.dressipi.clientId, response_type: 'code', redirect_uri: DRESSIPI_OOB, state: 'xyz', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' },
      headers: async () => ({ 'x-api-key': clients.dressipi.apiKey! }),
      alsoFine: [200],
    },
  ];
}

export const CONTENT_TYPE: Record<BodyFormat, string> = {
  json: 'application/json',
  xml: 'application/xml',
  form: 'application/x-www-form-urlencoded',
};

/** Field values as text, for forms and query strings (JSON values written as JSON). */
const asText = (fields: Record<string, unknown>): Array<[string, string]> =>
  Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]);

const escapeXml = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A body of this format holding these fields (JSON keeps non-string values; the others write them as text). */
export function encodeBody(format: BodyFormat, fields: Record<string, unknown>, xmlRoot: string): string {
  if (format === 'json') return JSON.stringify(fields);
  if (format === 'form') return new URLSearchParams(asText(fields)).toString();
  const children = Object.entries(fields)
    .map(([k, v]) => `<${k}>${escapeXml(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))}</${k}>`)
    .join('');
  return `<${xmlRoot}>${children}</${xmlRoot}>`;
}

/** Why an answer to a hostile request is wrong: a 5xx, an error not in the target's shape, or a leak. */
export function answerProblems(target: Target, reply: Reply, requestText = ''): string[] {
  const problems: string[] = [];
  const ok = (reply.status >= 400 && reply.status < 500) || target.alsoFine.includes(reply.status);
  if (!ok) problems.push(`status ${reply.status}`);
  if (reply.status >= 400) {
    if (target.shape === 'html') {
      if (!(reply.headers.get('content-type') ?? '').startsWith('text/html')) problems.push(`content-type ${reply.headers.get('content-type')}`);
      if (!/frame-ancestors 'none'/.test(reply.headers.get('content-security-policy') ?? '')) problems.push('no CSP on the error page');
    } else {
      problems.push(...shapeProblems(target.shape, reply));
    }
  }
  problems.push(...leaks(reply.text, requestText));
  return problems;
}

/** Fails with the first wrong answers spelled out (an array diff would cut them short). */
export function expectNone(problems: string[]): void {
  if (problems.length) throw new Error(`${problems.length} wrong answers:\n${problems.slice(0, 30).join('\n')}`);
}

/** Sends one request to a target: `fields` as the body (POST) or the query (GET). */
export async function sendToTarget(
  d: ServiceDriver,
  target: Target,
  request: { fields?: Record<string, unknown>; format?: BodyFormat; body?: string; contentType?: string | null; headers?: Record<string, string>; query?: string },
): Promise<{ reply: Reply; requestText: string }> {
  const headers: Record<string, string> = { ...(await target.headers()), ...request.headers };
  let url = target.path;
  let body: string | undefined;
  if (target.method === 'GET') {
    const query = request.query ?? new URLSearchParams(asText(request.fields ?? target.base)).toString();
    url = query ? `${url}?${query}` : url;
  } else {
    const format = request.format ?? target.formats[0] ?? 'form';
    body = request.body ?? encodeBody(format, request.fields ?? target.base, target.xmlRoot);
    const contentType = request.contentType === undefined ? CONTENT_TYPE[format] : request.contentType;
    if (contentType !== null) headers['content-type'] = contentType;
  }
  // A redirect (authorize) is an answer: it is not followed to the client.
  const reply = await d.request(url, { method: target.method, headers, body, redirect: 'manual' });
  return { reply, requestText: `${url}\n${JSON.stringify(headers)}\n${body ?? ''}` };
}

/** The PKCE pair of a new authorization. */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface DpopKey {
  privateKey: KeyObject;
  jwk: JWK;
  jkt: string;
}

export async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

export function dpopProof(key: DpopKey, htu: string, htm = 'POST'): Promise<string> {
  return new SignJWT({ htm, htu, jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .setIssuedAt()
    .sign(key.privateKey);
}

export const basicAuth = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export const AWS_SAME_DEVICE = 'arn:aws:signin:::devtools/same-device';
export const AWS_REDIRECT_URI = 'http://127.0.0.1:49152/oauth/callback';
export const DRESSIPI_OOB = 'urn:ietf:wg:oauth:2.0:oob:auto';
export const APP_REDIRECT_URI = 'https://app.example.com/callback';
export const PASSWORD = 'correct horse battery staple';

export interface Client {
  clientId: string;
  clientSecret?: string;
  apiKey?: string;
  redirectUri: string;
}

/** Tokens a client received: what a suite later checks. */
export interface Received {
  dialect: DialectName;
  client: Client;
  accessToken: string;
  refreshToken?: string;
  /** aws-signin: the SigV4 credentials. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

/**
 * The service seen from outside: the admin API (users, clients, codes, grants) and one
 * sign-in and one refresh per dialect, each checked to answer 200. Works against any base
 * URL whose ADMIN_TOKEN is TEST_ADMIN_TOKEN.
 */
export class ServiceDriver {
  private counter = 0;

  constructor(
    readonly baseUrl: string,
    readonly tally?: Tally,
  ) {}

  unique(prefix: string): string {
    return `${prefix}-${++this.counter}-${randomBytes(3).toString('hex')}`;
  }

  request(path: string, init: RequestInit = {}): Promise<Reply> {
    return this.tally ? this.tally.send(`${this.baseUrl}${path}`, init) : send(`${this.baseUrl}${path}`, init);
  }

  async admin(method: string, path: string, body?: unknown): Promise<Reply> {
    return this.request(path, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async created(method: string, path: string, body: unknown): Promise<any> {
    const res = await this.admin(method, path, body);
    if (res.status !== 201 && res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  }

  async user(password = PASSWORD): Promise<{ id: string; username: string; password: string }> {
    const username = this.unique('user');
    const body = await this.created('POST', '/admin/users', { username, password, name: 'Ada Lovelace', email: `${username}@example.com` });
    return { id: body.id, username, password };
  }

  async client(overrides: Record<string, unknown> = {}): Promise<Client> {
    const body = await this.created('POST', '/admin/clients', {
      clientId: this.unique('client'),
      name: 'Hardening',
      profile: 'standard',
      type: 'confidential',
      redirectUris: [APP_REDIRECT_URI],
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      ...overrides,
    });
    return { clientId: body.clientId, clientSecret: body.clientSecret, apiKey: body.apiKey, redirectUri: body.redirectUris[0] ?? APP_REDIRECT_URI };
  }

  /** One client per dialect (aws-signin: the same-device ARN, which exists once per database). */
  async dialectClients(): Promise<Record<DialectName, Client>> {
    return {
      standard: await this.client(),
      midnight: await this.client({ profile: 'midnight', type: 'public', domain: 'contoso', grantTypes: ['authorization_code'] }),
      huawei: await this.client({ profile: 'huawei', type: 'confidential', grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email'] }),
      dressipi: await this.client({ profile: 'dressipi', type: 'public', redirectUris: [DRESSIPI_OOB], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email'] }),
      'aws-signin': await this.client({
        clientId: AWS_SAME_DEVICE,
        profile: 'aws-signin',
        type: 'public',
        redirectUris: [AWS_REDIRECT_URI],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'email'],
      }),
    };
  }

  /** A code from the trusted-front-end route, with a PKCE pair. */
  async code(client: Client, userId: string, scope = 'openid profile email'): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkce();
    const body = await this.created('POST', '/admin/authorization-codes', {
      clientId: client.clientId,
      userId,
      redirectUri: client.redirectUri,
      scope,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
    });
    return { code: body.code, verifier };
  }

  /** The raw standard token request (client_secret_basic for a confidential client). */
  standardToken(client: Client, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    const auth = client.clientSecret ? { authorization: basicAuth(client.clientId, client.clientSecret) } : {};
    const params = client.clientSecret ? form : { client_id: client.clientId, ...form };
    return this.request('/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth, ...headers },
      body: new URLSearchParams(params).toString(),
    });
  }

  /** Signs in through the given dialect (a code, then its token endpoint): the tokens, or throws. */
  async signIn(dialect: DialectName, client: Client, userId: string, dpop?: DpopKey): Promise<Received> {
    if (dialect === 'dressipi') return this.dressipiSignIn(client);
    const { code, verifier } = await this.code(client, userId);
    const res = await this.redeem(dialect, client, code, verifier, dpop);
    if (res.status !== 200) throw new Error(`${dialect} sign-in: ${res.status} ${res.text}`);
    return this.received(dialect, client, res.body);
  }

  /** Presents a code at the dialect's token endpoint. */
  async redeem(dialect: DialectName, client: Client, code: string, verifier: string, dpop?: DpopKey): Promise<Reply> {
    switch (dialect) {
      case 'standard':
        return this.standardToken(client, { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier });
      case 'midnight':
        return this.json('/v1/Token/OAuth2/AuthorizationCode', {
          Domain: 'contoso',
          AuthorizationCode: code,
          CodeVerifier: verifier,
          RedirectUri: client.redirectUri,
          UserPoolWebClientId: client.clientId,
        });
      case 'huawei':
        return this.form('/api/v1/oauth2/token', {
          grant_type: 'authorization_code',
          code,
          client_id: client.clientId,
          client_secret: client.clientSecret!,
          redirect_uri: client.redirectUri,
          code_verifier: verifier,
        });
      case 'dressipi':
        return this.json(
          '/oauth/token',
          { grant_type: 'authorization_code', code, client_id: client.clientId, redirect_uri: DRESSIPI_OOB, code_verifier: verifier },
          { 'x-api-key': client.apiKey! },
        );
      case 'aws-signin':
        return this.json(
          '/v1/token',
          { clientId: client.clientId, grantType: 'authorization_code', code, codeVerifier: verifier, redirectUri: client.redirectUri },
          { dpop: await dpopProof(dpop!, `${this.baseUrl}/v1/token`) },
        );
    }
  }

  /** dressipi's out-of-band authorize (a new anonymous profile), then the code at /oauth/token. */
  private async dressipiSignIn(client: Client): Promise<Received> {
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      client_id: client.clientId,
      response_type: 'code',
      redirect_uri: DRESSIPI_OOB,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: randomBytes(8).toString('hex'),
    });
    const authorized = await this.request(`/oauth/authorize?${query}`, { headers: { 'x-api-key': client.apiKey! } });
    if (authorized.status !== 200) throw new Error(`dressipi authorize: ${authorized.status} ${authorized.text}`);
    const res = await this.redeem('dressipi', client, authorized.body.code, verifier);
    if (res.status !== 200) throw new Error(`dressipi sign-in: ${res.status} ${res.text}`);
    return this.received('dressipi', client, res.body);
  }

  /** Presents a refresh token at the dialect's token endpoint. */
  async refresh(dialect: DialectName, client: Client, refreshToken: string, dpop?: DpopKey): Promise<Reply> {
    switch (dialect) {
      case 'standard':
        return this.standardToken(client, { grant_type: 'refresh_token', refresh_token: refreshToken });
      case 'huawei':
        return this.form('/api/v1/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.clientId, client_secret: client.clientSecret! });
      case 'dressipi':
        return this.json('/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.clientId, redirect_uri: DRESSIPI_OOB }, { 'x-api-key': client.apiKey! });
      case 'aws-signin':
        return this.json('/v1/token', { clientId: client.clientId, grantType: 'refresh_token', refreshToken }, { dpop: await dpopProof(dpop!, `${this.baseUrl}/v1/token`) });
      case 'midnight':
        throw new Error('midnight has no refresh endpoint');
    }
  }

  received(dialect: DialectName, client: Client, body: any): Received {
    if (dialect === 'aws-signin') {
      return { dialect, client, accessToken: body.accessToken.accessKeyId, refreshToken: body.refreshToken, credentials: body.accessToken };
    }
    return { dialect, client, accessToken: body.access_token, refreshToken: body.refresh_token ?? undefined };
  }

  /** RFC 7662 by the token's own (confidential) client, or by `as`. */
  async introspect(token: string, as: Client): Promise<{ active: boolean; [claim: string]: unknown }> {
    const res = await this.request('/oauth2/introspect', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(as.clientId, as.clientSecret!) },
      body: new URLSearchParams({ token }).toString(),
    });
    if (res.status !== 200) throw new Error(`introspect: ${res.status} ${res.text}`);
    if (this.tally) this.tally.tokensChecked++;
    return res.body;
  }

  /**
   * Whether what a client received still works, token by token, the way each can be
   * checked from outside: introspection by its own confidential client (standard, huawei:
   * access and refresh tokens), introspection of the access key id by any confidential
   * client (aws-signin), userinfo with the access token (midnight, dressipi: public clients
   * cannot introspect).
   */
  async stillValid(received: Received, confidential: Client): Promise<Record<string, boolean>> {
    const result: Record<string, boolean> = {};
    if (received.dialect === 'standard' || received.dialect === 'huawei') {
      result.access = (await this.introspect(received.accessToken, received.client)).active;
      if (received.refreshToken) result.refresh = (await this.introspect(received.refreshToken, received.client)).active;
    } else if (received.dialect === 'aws-signin') {
      result.access = (await this.introspect(received.accessToken, confidential)).active;
    } else {
      const res = await this.request('/oauth2/userinfo', { headers: { authorization: `Bearer ${received.accessToken}` } });
      if (this.tally) this.tally.tokensChecked++;
      result.access = res.status === 200;
    }
    return result;
  }

  json(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  }

  form(path: string, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body).toString() });
  }
}
