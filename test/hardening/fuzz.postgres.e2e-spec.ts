import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { TEST_ADMIN_TOKEN } from '../support/test-app.js';
import { provisionTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  answerProblems,
  CONTENT_TYPE,
  dpopKey,
  NO_RATE_LIMITS,
  sendToTarget,
  ServiceDriver,
  Tally,
  targets,
  type BodyFormat,
  type Target,
} from './support/hardening.js';

/** Runs per endpoint: bounded, so that the suite stays fast (fast-check prints the seed of a failure). */
const TOKEN_ENDPOINT_RUNS = 150;
const OTHER_ENDPOINT_RUNS = 60;

const TRICKY_STRINGS = [
  "' OR 1=1 --",
  "'; DROP TABLE grants; --",
  '%00',
  '\u0000',
  '\\',
  '$1',
  '${jndi:ldap://x}',
  '../../../../etc/passwd',
  '<script>',
  '&lol;',
  '&#0;',
  ']]>',
  '\ufeff',
  '\u202e',
  'a'.repeat(3000),
  'urn:ietf:wg:oauth:2.0:oob:auto',
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'arn:aws:signin:::devtools/same-device',
];

/** Any string: printable, any code point, control characters, or one of the tricky ones. */
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.constantFrom(...TRICKY_STRINGS),
);

/** Any JSON value where a string is expected. */
const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyString },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyString, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), anyString, { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const xmlName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/);
const xmlText = fc.oneof(
  anyString.map((s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')),
  fc.constantFrom('<x/>', '<x>1</x><x>2</x>', '&amp;', '&bogus;', '&#0;', '&#x1F600;', '<![CDATA[<a>]]>', '<!-- c -->', '<?pi x?>', '<', '>', '&'),
);

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/json',
  'application/xml; charset=iso-8859-1',
  'text/xml',
  'application/x-www-form-urlencoded; charset=utf-16',
  'text/plain',
  'multipart/form-data; boundary=----x',
  'application/octet-stream',
  'application/json-seq',
  '*/*',
  'application/',
  ';;;',
];
const ACCEPTS = ['application/json', 'application/xml', 'text/xml;q=0.9, application/json;q=0.1', '*/*', 'text/html', 'application/json;q=0', 'garbage', 'image/*', ''];

interface GeneratedRequest {
  fields?: Record<string, unknown>;
  body?: string;
  format?: BodyFormat;
  contentType?: string | null;
  headers: Record<string, string>;
  query?: string;
}

/** Bodies (or queries) made of the target's own field names and arbitrary values, in every format. */
function requestsFor(target: Target): fc.Arbitrary<GeneratedRequest> {
  const names = Object.keys(target.base);
  const key = names.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...names) }, fc.string({ maxLength: 12 })) : fc.string({ maxLength: 12 });
  // Start from the plausible request (real client ids and credentials) or from nothing, then overwrite.
  const fields = fc
    .tuple(fc.boolean(), fc.dictionary(key, anyJsonValue, { maxKeys: 6 }))
    .map(([keepBase, generated]) => (keepBase ? { ...target.base, ...generated } : generated));
  const textFields = fields.map((f) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v) ?? ''])));
  const headers: fc.Arbitrary<Record<string, string>> = fc.option(fc.constantFrom(...ACCEPTS), { nil: undefined }).map((accept): Record<string, string> => (accept === undefined ? {} : { accept }));

  if (target.method === 'GET') {
    const query = fc.oneof(
      textFields.map((f) => new URLSearchParams(f).toString()),
      fc.array(fc.tuple(key, anyString), { maxLength: 8 }).map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')),
      fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((raw) => encodeURI(raw)),
    );
    return fc.record({ query, headers });
  }

  const contentType = (format: BodyFormat) => fc.oneof({ weight: 6, arbitrary: fc.constant(CONTENT_TYPE[format]) }, fc.constantFrom(...CONTENT_TYPES), fc.constant(null));
  const json = fc.record({
    format: fc.constant<BodyFormat>('json'),
    body: fc.oneof({ weight: 4, arbitrary: fields.map((f) => JSON.stringify(f)) }, fc.json({ maxDepth: 4 }), fc.string({ unit: 'binary', maxLength: 200 })),
    contentType: contentType('json'),
    headers,
  });
  const form = fc.record({
    format: fc.constant<BodyFormat>('form'),
    body: fc.oneof(
      { weight: 3, arbitrary: textFields.map((f) => new URLSearchParams(f).toString()) },
      fc.array(fc.tuple(key, anyString), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString()),
      fc.string({ unit: 'binary-ascii', maxLength: 300 }),
    ),
    contentType: contentType('form'),
    headers,
  });
  const element = fc.tuple(fc.oneof(key.filter((k) => /^[A-Za-z_][\w.-]*$/.test(k)), xmlName), xmlText).map(([name, text]) => `<${name}>${text}</${name}>`);
  const xml = fc.record({
    format: fc.constant<BodyFormat>('xml'),
    body: fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constant(target.xmlRoot) }, xmlName), fc.array(element, { maxLength: 8 }), fc.boolean()).map(
        ([root, children, declaration]) => `${declaration ? '<?xml version="1.0" encoding="utf-8"?>' : ''}<${root} xmlns:i="http://www.w3.org/2001/XMLSchema-instance">${children.join('')}</${root}>`,
      ) },
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `<${target.xmlRoot}>${s}`),
    ),
    contentType: contentType('xml'),
    headers,
  });
  return fc.oneof(json, form, xml);
}

/**
 * Property (fast-check): whatever body a client sends to any endpoint, in JSON, XML or a
 * form, with the endpoint's own field names and arbitrary values, the answer is a 4xx (or,
 * where a plausible request may succeed, one of the endpoint's normal answers) in the
 * endpoint's own shape, never a 5xx, and it shows no stack trace or SQL.
 */
describe('fuzzed requests at every endpoint', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  let d: ServiceDriver;
  let all: Target[];
  const tally = new Tally('fuzz');

  beforeAll(async () => {
    db = await provisionTestDatabase('hardening-fuzz');
    service = await startServiceProcess({ ...db.env, ...NO_RATE_LIMITS, ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOG_LEVEL: 'warn', SEED_DEMO: 'false', NODE_ENV: 'test' });
    d = new ServiceDriver(service.url, tally);
    const clients = await d.dialectClients();
    clients.standard = await d.client({ grantTypes: ['authorization_code', 'refresh_token'] });
    all = targets({ baseUrl: service.url, clients, dpop: await dpopKey() });
  });
  afterAll(async () => {
    console.info(tally.summary());
    await service?.stop();
    await db?.drop();
  });

  const names = ['standard /oauth2/token', 'midnight /v1/Token/OAuth2/AuthorizationCode', 'huawei /api/v1/oauth2/token', 'dressipi /oauth/token', 'aws-signin /v1/token'];
  const others = ['standard /oauth2/revoke', 'standard /oauth2/introspect', 'standard POST /oauth2/userinfo', 'standard GET /oauth2/userinfo', 'POST /oauth2/authorize', 'GET /oauth2/authorize', 'dressipi GET /oauth/authorize'];

  it.each([...names.map((n) => [n, TOKEN_ENDPOINT_RUNS] as const), ...others.map((n) => [n, OTHER_ENDPOINT_RUNS] as const)])(
    '%s: %i generated requests, each a 4xx in its shape, never a 5xx, a stack or SQL',
    async (name, runs) => {
      const target = all.find((t) => t.name === name)!;
      expect(target, name).toBeDefined();
      await fc.assert(
        fc.asyncProperty(requestsFor(target), async (request) => {
          const { reply, requestText } = await sendToTarget(d, target, request);
          const problems = answerProblems(target, reply, requestText);
          if (problems.length) throw new Error(`${problems.join('; ')}\nanswer: ${reply.status} ${reply.text.slice(0, 300)}`);
        }),
        { numRuns: runs },
      );
    },
    60_000,
  );

  it('logged no server error while fuzzed', () => {
    const errors = service
      .output()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
    expect(tally.serverErrors).toBe(0);
  });
});
