import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { DpopKeyCache, type DpopKey } from './dpop-key-cache.js';
import { OAuthError } from '../oauth-error.js';
import { ReplayCache } from './replay-cache.js';

/** Asymmetric algorithms accepted for DPoP proofs (advertised in the metadata). */
export const DPOP_SIGNING_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA', 'Ed25519'];

/**
 * How far a proof's iat may be from now (seconds): RFC 9449 §11.1 leaves the window to
 * us. A proof is made for one request just before it is sent, so a minute each way covers
 * transit and clock skew; the replay cache holds each proof id until its iat leaves the window.
 */
const IAT_PAST_SECONDS = 60;
const IAT_FUTURE_SECONDS = 60;

export interface DpopRequest {
  /** The DPoP header(s) as received. */
  proof: string | string[] | undefined;
  method: string;
  /** The URLs this request may be known by (issuer-based and as received): htu must equal one. */
  urls: string[];
  /** When presenting a DPoP-bound access token: its value, for `ath`. */
  accessToken?: string;
  /** A proof must be sent (aws-signin sends one with every token request); otherwise it is optional. */
  required?: boolean;
}

export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint of the proof's public key: the value bound as cnf.jkt. */
  jkt: string;
  jti: string;
}

/** Verifies DPoP proofs per RFC 9449 §4.3 with `jose`. No nonce is ever required. */
@Injectable()
export class DpopProofVerifier {
  private readonly keys = new DpopKeyCache();

  constructor(private readonly replays: ReplayCache) {}

  async verify(request: DpopRequest): Promise<VerifiedDpopProof | undefined> {
    if (request.proof === undefined) {
      if (request.required) throw invalid('a DPoP proof is required');
      return undefined;
    }
    if (Array.isArray(request.proof)) {
      if (request.proof.length !== 1) throw invalid('exactly one DPoP header is allowed');
      return this.verify({ ...request, proof: request.proof[0] });
    }

    let payload: JWTPayload;
    let jwk: Record<string, unknown>;
    let key: DpopKey | undefined;
    try {
      const result = await jwtVerify(
        request.proof,
        async (header, token) => (key = await this.keys.resolve(header, token)).key,
        { typ: 'dpop+jwt', algorithms: DPOP_SIGNING_ALGORITHMS },
      );
      payload = result.payload;
      jwk = result.protectedHeader.jwk as Record<string, unknown>;
    } catch (error) {
      throw invalid(error instanceof errors.JOSEError ? describeJoseError(error) : 'the DPoP proof is not a valid JWT');
    }
    if ('d' in jwk || 'k' in jwk) throw invalid('the DPoP proof must carry a public key');

    const { jti, htm, htu, iat } = payload as { jti?: unknown; htm?: unknown; htu?: unknown; iat?: unknown };
    if (typeof jti !== 'string' || jti.length < 8 || jti.length > 256) throw invalid('jti is missing or malformed');
    if (htm !== request.method.toUpperCase()) throw invalid('htm does not match the request method');
    if (typeof htu !== 'string' || !matchesAnyUrl(htu, request.urls)) throw invalid('htu does not match the request URL');
    if (typeof iat !== 'number') throw invalid('iat is missing');
    const now = Math.floor(Date.now() / 1000);
    if (iat < now - IAT_PAST_SECONDS || iat > now + IAT_FUTURE_SECONDS) throw invalid('iat is outside the accepted window');

    if (request.accessToken !== undefined) {
      const expected = createHash('sha256').update(request.accessToken).digest('base64url');
      if (payload.ath !== expected) throw invalid('ath does not match the access token');
    }

    const { jkt } = key!;
    // The id must be remembered only while this proof could still pass the iat check
    // (until iat + 60 s): a fresh proof for about a minute, not the whole window's two.
    // Whole seconds, rounded up: iat may be fractional, and Redis takes integers only.
    const acceptableFor = Math.ceil(iat + IAT_PAST_SECONDS - now) + 1;
    if (!(await this.replays.firstUse(`dpop:${jkt}:${jti}`, acceptableFor))) {
      throw invalid('the DPoP proof has already been used');
    }
    return { jkt, jti };
  }
}

function invalid(description: string): OAuthError {
  return new OAuthError('invalid_dpop_proof', `Invalid DPoP proof: ${description}.`);
}

function describeJoseError(error: errors.JOSEError): string {
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'typ') return 'typ must be dpop+jwt';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the algorithm is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  return 'the DPoP proof is malformed';
}

/** RFC 9449 §4.3 (9): compare without query and fragment, after syntax-based normalisation. */
function matchesAnyUrl(htu: string, urls: string[]): boolean {
  const normalized = normalizeUrl(htu);
  return normalized !== undefined && urls.some((url) => normalizeUrl(url) === normalized);
}

function normalizeUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return undefined;
  }
}
