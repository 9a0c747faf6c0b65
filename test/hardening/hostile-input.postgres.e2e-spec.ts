import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { TEST_ADMIN_TOKEN } from '../support/test-app.js';
import { provisionTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  answerProblems,
  CONTENT_TYPE,
  dpopKey,
  encodeBody,
  expectNone,
  leaks,
  NO_RATE_LIMITS,
  sendToTarget,
  ServiceDriver,
  Tally,
  targets,
  type BodyFormat,
  type Target,
} from './support/hardening.js';

/** Values no field should choke on: every answer to them is a 4xx in the endpoint's own shape. */
const HOSTILE_VALUES: Array<[string, unknown]> = [
  ['overlong', 'a'.repeat(60_000)],
  ['non-ASCII', 'ü𝔘\u202e中文 ﷽'],
  ['a lone surrogate', '\ud800x'],
  ['SQL quote', "' OR '1'='1"],
  ['SQL statement', "x'; DROP TABLE clients; --"],
  ['SQL wildcards and escapes', '%_\\$1::text'],
  ['a NUL byte', 'a\u0000b'],
  ['control characters', '\u0001\u001b[31m\u007f\r\n'],
  ['markup', '<script>alert(1)</script>&amp;&#0;'],
  ['a number', 42],
  ['a huge number', -1.5e308],
  ['a boolean', true],
  ['null', null],
  ['an empty array', []],
  ['an array of strings', ['a', 'b']],
  ['an object', { $gt: '' }],
  ['an empty string', ''],
];

/** Which field of a target's plausible request names its client, and which carries its code or token. */
const KEY_FIELDS = ['client_id', 'UserPoolWebClientId', 'clientId', 'code', 'AuthorizationCode', 'refreshToken', 'token', 'access_token', 'redirect_uri'];

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ROOT><code>&lol9;</code></ROOT>`;

const xmlAttacks = (root: string, port: number): Array<[string, string]> => [
  ['billion laughs', BILLION_LAUGHS.replace(/ROOT/g, root)],
  ['an external file entity', `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><${root}><code>&xxe;</code></${root}>`],
  ['an external URL entity', `<!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:${port}/health/live">]><${root}><code>&xxe;</code></${root}>`],
  ['a parameter entity', `<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><${root}/>`],
  ['quadratic blowup', `<!DOCTYPE r [<!ENTITY a "${'x'.repeat(30_000)}">]><${root}><code>${'&a;'.repeat(1000)}</code></${root}>`],
  ['a bare DOCTYPE', `<!DOCTYPE ${root} SYSTEM "http://127.0.0.1:${port}/x.dtd"><${root}/>`],
  ['an element declaration', `<!ELEMENT x ANY><${root}/>`],
  ['deep nesting', `<${root}>${'<a>'.repeat(5_000)}${'</a>'.repeat(5_000)}</${root}>`],
  ['unclosed tags', `<${root}><code>x</${root}>`],
  ['two roots', `<${root}/><${root}/>`],
  ['a processing instruction', `<?xml-stylesheet href="http://127.0.0.1:${port}/x.xsl"?><${root}><code>x</code></${root}>`],
  ['CDATA', `<${root}><code><![CDATA[</code><x>]]></code></${root}>`],
];

const MALFORMED: Record<BodyFormat, string[]> = {
  json: ['{"grant_type":', '[1,2,3]', '"just a string"', 'null', '{"a":1}garbage', '\u0000{}', `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
  form: ['%zz=%', '=&=&', '&&&', 'a=%E0%A4%A', `${'a=1&'.repeat(5000)}`],
  xml: ['<', '<r>', 'not xml at all', '<r><a>1</a>', '<?xml version="1.0"?>'],
};

/** Resident memory of a process, in MiB (Linux). */
function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * Hostile input (DESIGN.md §5) at every endpoint that reads a request, against the service
 * as a separate process on the real Postgres: every answer is a 4xx in the endpoint's own
 * shape (JSON, XML or HTML), never a 5xx, a stack trace or SQL text, and the service logs
 * no error while it is tried.
 */
describe('hostile input at every endpoint', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  let d: ServiceDriver;
  let all: Target[];
  let port: number;
  const tally = new Tally('hostile input');

  beforeAll(async () => {
    db = await provisionTestDatabase('hardening-hostile');
    service = await startServiceProcess({ ...db.env, ...NO_RATE_LIMITS, ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOG_LEVEL: 'warn', SEED_DEMO: 'false', NODE_ENV: 'test' });
    port = Number(new URL(service.url).port);
    d = new ServiceDriver(service.url, tally);
    const clients = await d.dialectClients();
    // No client_credentials here: no hostile request can be a valid one.
    clients.standard = await d.client({ grantTypes: ['authorization_code', 'refresh_token'] });
    all = targets({ baseUrl: service.url, clients, dpop: await dpopKey() });
  });
  afterAll(async () => {
    console.info(tally.summary());
    await service?.stop();
    await db?.drop();
  });

  const posts = () => all.filter((t) => t.method === 'POST');
  const named = (name: string) => all.find((t) => t.name === name)!;

  /** Sends, then collects what is wrong with the answer (nothing, when it is right). */
  async function attempt(target: Target, request: Parameters<typeof sendToTarget>[2], label: string): Promise<string[]> {
    const { reply, requestText } = await sendToTarget(d, target, request);
    return answerProblems(target, reply, requestText).map((p) => `${target.name} ${label}: ${p} (${reply.status} ${reply.text.slice(0, 160)})`);
  }

  it('answers hostile values in every field, in every body format, in the endpoint shape', async () => {
    const problems: string[] = [];
    for (const target of all) {
      const formats: Array<BodyFormat | undefined> = target.method === 'GET' ? [undefined] : target.formats;
      for (const format of formats) {
        for (const [label, hostile] of HOSTILE_VALUES) {
          // Node's HTTP parser caps the request line and headers at 16 KiB (431, see below).
          const value = target.method === 'GET' && label === 'overlong' ? 'a'.repeat(1500) : hostile;
          const everywhere = Object.fromEntries(Object.keys(target.base).map((k) => [k, value]));
          problems.push(...(await attempt(target, { fields: everywhere, format }, `${format ?? 'query'} ${label} in every field`)));
          for (const key of Object.keys(target.base).filter((k) => KEY_FIELDS.includes(k))) {
            problems.push(...(await attempt(target, { fields: { ...target.base, [key]: value }, format }, `${format ?? 'query'} ${label} in ${key}`)));
          }
        }
      }
    }
    expectNone(problems);
  });

  it('refuses repeated parameters (RFC 6749 §3.2) in forms, JSON, XML and query strings', async () => {
    const problems: string[] = [];
    for (const target of all) {
      const first = Object.entries(target.base)[0];
      if (!first) continue;
      const [name, value] = first;
      if (target.method === 'GET') {
        const query = `${new URLSearchParams(target.base)}&${name}=${encodeURIComponent(value)}`;
        const { reply } = await sendToTarget(d, target, { query });
        if (reply.status !== 400) problems.push(`${target.name}: repeated ${name} in the query got ${reply.status}`);
        problems.push(...answerProblems(target, reply));
        continue;
      }
      for (const format of target.formats) {
        const once = encodeBody(format, target.base, target.xmlRoot);
        const body =
          format === 'form'
            ? `${once}&${name}=${encodeURIComponent(value)}`
            : format === 'json'
              ? `${once.slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(value)}}`
              : once.replace(`</${target.xmlRoot}>`, `<${name}>${value}</${name}></${target.xmlRoot}>`);
        const { reply } = await sendToTarget(d, target, { body, format });
        if (reply.status !== 400) problems.push(`${target.name} ${format}: repeated ${name} got ${reply.status} ${reply.text.slice(0, 200)}`);
        problems.push(...answerProblems(target, reply));
      }
    }
    // dressipi takes parameters from the query string too: one in both is repeated.
    const dressipi = named('dressipi /oauth/token');
    const both = await d.request(`/oauth/token?client_id=${encodeURIComponent(dressipi.base.client_id!)}`, {
      method: 'POST',
      headers: { ...(await dressipi.headers()), 'content-type': CONTENT_TYPE.json },
      body: JSON.stringify(dressipi.base),
    });
    expect([both.status, both.body.error]).toEqual([400, 'invalid_request']);
    expectNone(problems);
  });

  it('answers malformed bodies 400, and wrong or missing content types 415, in the endpoint shape', async () => {
    const problems: string[] = [];
    for (const target of posts()) {
      for (const format of target.formats) {
        for (const body of MALFORMED[format]) {
          const { reply } = await sendToTarget(d, target, { body, format });
          // A form is never malformed as such: a nonsense form is refused by validation.
          if (format !== 'form' && reply.status !== 400) problems.push(`${target.name} ${format} ${JSON.stringify(body.slice(0, 30))}: ${reply.status}`);
          problems.push(...answerProblems(target, reply, body).map((p) => `${target.name} malformed ${format}: ${p}`));
        }
      }
      const contentTypes = ['text/plain', 'multipart/form-data; boundary=x', 'application/octet-stream', 'image/png', 'application/x-yaml', 'application/json-patch+json'];
      for (const format of ['json', 'xml', 'form'] as const) if (!target.formats.includes(format)) contentTypes.push(CONTENT_TYPE[format]);
      for (const contentType of contentTypes) {
        const { reply } = await sendToTarget(d, target, { body: 'grant_type=x', contentType });
        if (reply.status !== 415) problems.push(`${target.name} ${contentType}: ${reply.status} ${reply.text.slice(0, 120)}`);
        problems.push(...answerProblems(target, reply));
      }
      const missing = await sendToTarget(d, target, { body: 'grant_type=authorization_code', contentType: null });
      if (missing.reply.status !== 415) problems.push(`${target.name} without a content type: ${missing.reply.status}`);
      problems.push(...answerProblems(target, missing.reply));
    }
    expectNone(problems);
  });

  it('answers bodies over 64 KiB 413 in the endpoint shape, declared or chunked, keeping the connection up to 16 MiB', async () => {
    const problems: string[] = [];
    for (const target of posts()) {
      for (const format of target.formats) {
        for (const size of format === target.formats[0] ? [64 * 1024 + 1, 1024 * 1024, 8 * 1024 * 1024] : [64 * 1024 + 1]) {
          const fields = { ...target.base, padding: 'x'.repeat(size) };
          const { reply } = await sendToTarget(d, target, { fields, format });
          const expected = target.shape === 'html' ? 415 : 413;
          if (reply.status !== expected) problems.push(`${target.name} ${format} ${size} bytes: ${reply.status} ${reply.text.slice(0, 120)}`);
          problems.push(...answerProblems(target, reply));
          if (reply.headers.get('connection') === 'close') problems.push(`${target.name} ${format} ${size}: connection closed; the rest of the body should have been dropped`);
        }
      }
      // Chunked (no Content-Length): refused once it passes the limit.
      const format = target.formats[0]!;
      const chunk = new TextEncoder().encode(encodeBody(format, target.base, target.xmlRoot).slice(0, 1).padEnd(16 * 1024, ' '));
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 16; i++) controller.enqueue(chunk);
          controller.close();
        },
      });
      const res = await d.request(target.path, {
        method: 'POST',
        headers: { ...(await target.headers()), 'content-type': CONTENT_TYPE[format] },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      const expected = target.shape === 'html' ? 415 : 413;
      if (res.status !== expected) problems.push(`${target.name} chunked: ${res.status}`);
      problems.push(...answerProblems(target, res));
    }
    // A body declared over 16 MiB is not read at all: the answer comes at once and closes the connection.
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: ${CONTENT_TYPE.form}\r\ncontent-length: ${100 * 1024 * 1024}\r\n\r\ngrant_type=`);
      });
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
    tally.requests++;
    expect(head).toMatch(/^HTTP\/1\.1 413 /);
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
    expect(head).toContain('{"error":"invalid_request","error_description":"The request body is too large."}');
    expectNone(problems);
  });

  it('refuses XML with a DOCTYPE, entities or deep nesting fast, expanding nothing, with memory flat', async () => {
    const problems: string[] = [];
    const xmlTargets = posts().filter((t) => t.formats.includes('xml'));
    const before = rssMiB(service.child.pid!);
    let slowest = 0;
    for (let round = 0; round < 10; round++) {
      for (const target of xmlTargets) {
        for (const [label, body] of xmlAttacks(target.xmlRoot, port)) {
          const started = performance.now();
          const { reply } = await sendToTarget(d, target, { body, format: 'xml' });
          slowest = Math.max(slowest, performance.now() - started);
          if (reply.status !== 400) problems.push(`${target.name} ${label}: ${reply.status} ${reply.text.slice(0, 160)}`);
          problems.push(...answerProblems(target, reply, body).map((p) => `${target.name} ${label}: ${p}`));
          // Nothing expanded or fetched: no laughs, no file, no answer from the URL.
          if (/lollol|root:x:0:0|"status":"ok"/.test(reply.text)) problems.push(`${target.name} ${label}: expanded ${reply.text.slice(0, 120)}`);
        }
      }
    }
    const after = rssMiB(service.child.pid!);
    console.info(`[hardening] XML attacks: slowest answer ${slowest.toFixed(0)} ms, RSS ${before.toFixed(0)} → ${after.toFixed(0)} MiB`);
    expectNone(problems);
    expect(slowest).toBeLessThan(1000);
    expect(after - before).toBeLessThan(64);
  });

  it('refuses JSON nested 10,000 deep and objects where strings are expected', async () => {
    const problems: string[] = [];
    for (const target of posts().filter((t) => t.formats.includes('json'))) {
      const key = Object.keys(target.base)[0]!;
      for (const value of [`${'['.repeat(10_000)}${']'.repeat(10_000)}`, `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`, '{"__proto__":{"polluted":"yes"}}', '{"constructor":{"prototype":{"polluted":"yes"}}}']) {
        const body = `{${JSON.stringify(key)}:${value}}`;
        const { reply } = await sendToTarget(d, target, { body, format: 'json' });
        problems.push(...answerProblems(target, reply, body).map((p) => `${target.name} nested: ${p}`));
      }
    }
    expectNone(problems);
  });

  it('answers a NUL byte in a header, a path or a query 4xx, never 500', async () => {
    const problems: string[] = [];
    // Percent-encoded NUL in query strings and paths, and in HTTP Basic credentials.
    for (const [path, init] of [
      ['/oauth2/authorize?client_id=a%00b&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback', {}],
      ['/oauth/authorize?client_id=a%00b&response_type=code&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob%3Aauto&state=x&code_challenge_method=S256&code_challenge=' + 'c'.repeat(43), { headers: { 'x-api-key': 'k' } }],
      ['/oauth/token?client_id=a%00b', { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body: '{"grant_type":"refresh_token","refresh_token":"x","redirect_uri":"urn:ietf:wg:oauth:2.0:oob:auto"}' }],
      ['/oauth2/token', { method: 'POST', headers: { 'content-type': CONTENT_TYPE.form, authorization: `Basic ${Buffer.from('a%00b:secret').toString('base64')}` }, body: 'grant_type=client_credentials' }],
      ['/oauth2/introspect', { method: 'POST', headers: { 'content-type': CONTENT_TYPE.form, authorization: `Basic ${Buffer.from('a\u0000b:secret').toString('base64')}` }, body: 'token=x' }],
      ['/api/v1/oauth2/token', { method: 'POST', headers: { 'content-type': CONTENT_TYPE.form, authorization: `Basic ${Buffer.from('a%00b:secret').toString('base64')}` }, body: 'grant_type=refresh_token&refresh_token=x' }],
      ['/admin/clients/a%00b', { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }],
      ['/admin/users/a%00b', { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }],
      ['/admin/grants?clientId=a%00b', { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }],
    ] as Array<[string, RequestInit]>) {
      const reply = await d.request(path, init);
      if (reply.status < 400 || reply.status >= 500) problems.push(`${path}: ${reply.status} ${reply.text.slice(0, 160)}`);
      problems.push(...leaks(reply.text).map((p) => `${path}: ${p}`));
    }
    // A query string over Node's 16 KiB header limit is refused by the HTTP parser itself
    // (431), before any route, as is a raw NUL in a header value (400).
    const long = await d.request(`/oauth/authorize?client_id=${'a'.repeat(60_000)}`, { headers: { 'x-api-key': 'k' } });
    expect(long.status).toBe(431);
    expect(leaks(long.text)).toEqual([]);
    const statusLine = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: a\u0000b\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`);
      });
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk));
      socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
      socket.on('error', reject);
    });
    tally.requests++;
    expect(statusLine).toMatch(/^HTTP\/1\.1 400 /);
    expectNone(problems);
  });

  it('kept every table intact and logged no server error while all this was tried', async () => {
    const clients = await d.admin('GET', '/admin/clients?limit=100');
    expect(clients.status).toBe(200);
    expect(clients.body.total).toBe(6);
    const errors = service
      .output()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
    expect(tally.serverErrors).toBe(0);
  });
});
