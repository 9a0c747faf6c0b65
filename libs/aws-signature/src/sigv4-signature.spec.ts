import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import {
  canonicalPath,
  canonicalQuery,
  computeSignature,
  parseAmzDate,
  parseSigv4Authorization,
  signatureMatches,
  type Sigv4Request,
} from './sigv4-signature.js';

const credentials = { accessKeyId: 'ASIAEXAMPLE0000000001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session' };

/** Signs with AWS's own signer (as the SDKs do), then hands back the request as a server would see it. */
async function signed(
  request: { method?: string; path: string; query?: Record<string, string | string[]>; headers?: Record<string, string>; body?: string },
  options: { region?: string; service?: string; date?: Date } = {},
): Promise<Sigv4Request> {
  const signer = new SignatureV4({ credentials, region: options.region ?? 'us-east-1', service: options.service ?? 'signin', sha256: Sha256 });
  const out = await signer.sign(
    {
      method: request.method ?? 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 3000,
      path: request.path,
      query: request.query ?? {},
      headers: { host: '127.0.0.1:3000', ...request.headers },
      body: request.body,
    },
    { signingDate: options.date ?? new Date('2026-11-02T10:20:30Z') },
  );
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(request.query ?? {})) for (const value of [v].flat()) query.append(k, value);
  const qs = query.toString().replace(/\+/g, '%20');
  return {
    method: out.method,
    url: `${request.path}${qs ? `?${qs}` : ''}`,
    headers: Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k.toLowerCase(), v])),
  };
}

describe('SigV4 signature verification', () => {
  it('matches the AWS test suite vector get-vanilla', () => {
    const request: Sigv4Request = { method: 'GET', url: '/', headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' } };
    const authorization = parseSigv4Authorization(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    )!;
    expect(authorization).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', date: '20150830', region: 'us-east-1', service: 'service', signedHeaders: ['host', 'x-amz-date'] });
    expect(computeSignature(request, authorization, '20150830T123600Z', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')).toBe(authorization.signature);
  });

  it.each([
    ['a plain GET', { path: '/oauth2/userinfo' }],
    ['a query with repeated, reserved and unicode values', { path: '/oauth2/userinfo', query: { b: ['2', '1'], a: 'x y/z', 'ü': '*!' } }],
    ['a path that needs encoding and normalising', { path: '/oauth2/./a b/../userinfo/' }],
    ['extra signed headers with folded whitespace', { path: '/x', headers: { 'x-custom': '  a   b  ', 'content-type': 'application/json' } }],
    ['a POST with a body (x-amz-content-sha256)', { method: 'POST', path: '/x', body: '{"a":1}', headers: { 'content-type': 'application/json' } }],
  ])('verifies %s signed by @smithy/signature-v4', async (_label, request) => {
    const received = await signed(request);
    const authorization = parseSigv4Authorization(received.headers.authorization as string)!;
    expect(authorization.accessKeyId).toBe(credentials.accessKeyId);
    expect(signatureMatches(received, authorization, received.headers['x-amz-date'] as string, credentials.secretAccessKey)).toBe(true);
  });

  it('accepts any region and service the credential scope names', async () => {
    for (const [region, service] of [['eu-west-3', 'execute-api'], ['ap-southeast-2', 'sts']]) {
      const received = await signed({ path: '/oauth2/userinfo' }, { region, service });
      const authorization = parseSigv4Authorization(received.headers.authorization as string)!;
      expect([authorization.region, authorization.service]).toEqual([region, service]);
      expect(signatureMatches(received, authorization, received.headers['x-amz-date'] as string, credentials.secretAccessKey)).toBe(true);
    }
  });

  it('refuses a tampered method, path, query, signed header, date or a wrong secret', async () => {
    const received = await signed({ path: '/oauth2/userinfo', query: { a: '1' }, headers: { 'x-custom': 'v' } });
    const authorization = parseSigv4Authorization(received.headers.authorization as string)!;
    const date = received.headers['x-amz-date'] as string;
    const check = (request: Sigv4Request, amzDate = date, secret = credentials.secretAccessKey) => signatureMatches(request, authorization, amzDate, secret);
    expect(check(received)).toBe(true);
    expect(check({ ...received, method: 'POST' })).toBe(false);
    expect(check({ ...received, url: '/oauth2/userinfo2?a=1' })).toBe(false);
    expect(check({ ...received, url: '/oauth2/userinfo?a=2' })).toBe(false);
    expect(check({ ...received, headers: { ...received.headers, 'x-custom': 'w' } })).toBe(false);
    expect(check({ ...received, headers: { ...received.headers, 'x-amz-security-token': 'other' } })).toBe(false);
    expect(check(received, '20261102T102031Z')).toBe(false);
    expect(check(received, date, credentials.secretAccessKey.replace(/^w/, 'x'))).toBe(false);
    // A signed header that the request no longer carries.
    const { 'x-custom': _dropped, ...without } = received.headers;
    expect(check({ ...received, headers: without })).toBe(false);
  });

  it('parses only well-formed Authorization headers', () => {
    const ok = 'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE0000000001/20261102/us-east-1/signin/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + 'a'.repeat(64);
    expect(parseSigv4Authorization(ok)).not.toBeNull();
    expect(parseSigv4Authorization(ok.replace('aws4_request', 'aws5_request'))).toBeNull();
    expect(parseSigv4Authorization(ok.replace('host;x-amz-date', 'x-amz-date;host'))).toBeNull();
    expect(parseSigv4Authorization(ok.replace('a'.repeat(64), 'a'.repeat(63)))).toBeNull();
    expect(parseSigv4Authorization(`${ok}, Signature=${'b'.repeat(64)}`)).toBeNull();
    expect(parseSigv4Authorization('Bearer x')).toBeNull();
    expect(parseSigv4Authorization(undefined)).toBeNull();
  });

  it('canonicalises paths, queries and dates as the spec says', () => {
    expect(canonicalPath('/a/./b/../c//d/')).toBe('/a/c/d/');
    expect(canonicalPath('/a%20b')).toBe('/a%2520b');
    expect(canonicalQuery('b=2&a=1&a=0&X-Amz-Signature=x&c')).toBe('a=0&a=1&b=2&c=');
    expect(parseAmzDate('20261102T102030Z')?.toISOString()).toBe('2026-11-02T10:20:30.000Z');
    expect(parseAmzDate('20261332T102030Z')).toBeNull();
    expect(parseAmzDate('2026-11-02T10:20:30Z')).toBeNull();
  });
});
