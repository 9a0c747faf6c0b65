import { Injectable } from '@nestjs/common';
import { parseAmzDate, parseSigv4Authorization, signatureMatches, type Sigv4Request } from '@latchkey/aws-signature';
import type { IssuedTokenStatus } from './issued-tokens.service.js';
import { Sigv4CredentialsService } from './sigv4-credentials.service.js';

/** How far X-Amz-Date may be from the server's clock, either way (AWS's own limit). */
export const SIGV4_CLOCK_SKEW_SECONDS = 15 * 60;

/** Why a SigV4-signed request was refused (for the log; clients learn only that it was). */
export type Sigv4Refusal =
  | 'malformed'
  | 'unsigned_header'
  | 'date'
  | 'session_token'
  | 'unknown_key'
  | 'inactive'
  | 'signature';

export type Sigv4Verification = { ok: true; record: IssuedTokenStatus } | { ok: false; reason: Sigv4Refusal };

/**
 * Verifies a request signed (Authorization header) with credentials this server issued:
 * the header is well-formed AWS4-HMAC-SHA256 for any region and service; host and
 * x-amz-date are among the signed headers; X-Amz-Date is within 15 minutes of now and on
 * the credential scope's day; X-Amz-Security-Token is the session token of that access key
 * id; the credentials exist and are active (not expired, not revoked, grant and client
 * live); and the signature is the one their secret produces for the canonical request.
 *
 * The payload hash is x-amz-content-sha256 when sent (the SDKs sign it) and otherwise that
 * of an empty body: the endpoints that take SigV4 (userinfo) read nothing from the body.
 */
@Injectable()
export class Sigv4RequestVerifier {
  constructor(private readonly credentials: Sigv4CredentialsService) {}

  async verify(request: Sigv4Request, now: Date = new Date()): Promise<Sigv4Verification> {
    const authorization = parseSigv4Authorization(headerValue(request, 'authorization'));
    if (!authorization) return refused('malformed');
    if (!authorization.signedHeaders.includes('host') || !authorization.signedHeaders.includes('x-amz-date')) return refused('unsigned_header');

    const amzDate = headerValue(request, 'x-amz-date');
    const signedAt = parseAmzDate(amzDate);
    if (!signedAt || amzDate!.slice(0, 8) !== authorization.date) return refused('date');
    if (Math.abs(now.getTime() - signedAt.getTime()) > SIGV4_CLOCK_SKEW_SECONDS * 1000) return refused('date');

    if (this.credentials.accessKeyIdOf(headerValue(request, 'x-amz-security-token')) !== authorization.accessKeyId) return refused('session_token');

    const resolved = await this.credentials.resolve(authorization.accessKeyId);
    if (!resolved) return refused('unknown_key');
    if (!resolved.record.active) return refused('inactive');
    if (!signatureMatches(request, authorization, amzDate!, resolved.secretAccessKey)) return refused('signature');
    return { ok: true, record: resolved.record };
  }
}

function refused(reason: Sigv4Refusal): Sigv4Verification {
  return { ok: false, reason };
}

/** A single-valued header; a repeated one counts as absent. */
function headerValue(request: Sigv4Request, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
