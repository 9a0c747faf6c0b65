import { Injectable } from '@nestjs/common';
import { AUTHORIZATION_CODE_GRANT, isCodeChallenge, PKCE_METHODS, type PkceMethod } from '@latchkey/authorization-codes';
import { ClientRegistry } from '@latchkey/clients';
import type { ClientEntity } from '@latchkey/persistence';
import {
  AuthorizationParameters,
  PROMPT_VALUES,
  type AuthorizationErrorCode,
  type PendingAuthorization,
  type Prompt,
} from './authorization-request.js';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** A JWK SHA-256 thumbprint (RFC 7638) in base64url: 43 characters. */
const JKT = /^[A-Za-z0-9_-]{43}$/;
/** Upper bounds that keep the interaction value (a hidden input) small. */
export const PARAMETER_LIMITS = { state: 2048, nonce: 512, loginHint: 256, scope: 2048 } as const;

/**
 * The verdict on an authorization request.
 * - ok: every check passed;
 * - page: the client or redirect URI cannot be trusted (unknown or disabled client,
 *   missing, repeated or unregistered redirect_uri): the user sees an error page and is
 *   never redirected (RFC 6749 §4.1.2.1);
 * - redirect: any other error, sent back to the client's redirect URI.
 */
export type AuthorizationRequestCheck =
  | { ok: true; request: PendingAuthorization; client: ClientEntity }
  | { ok: false; respond: 'page'; message: string }
  | {
      ok: false;
      respond: 'redirect';
      redirectUri: string;
      state: string | null;
      error: AuthorizationErrorCode;
      description: string;
    };

/**
 * Checks an authorization request (RFC 6749 §4.1.1, RFC 7636, OpenID Connect Core
 * §3.1.2.1-2) against its client before anybody signs in. The same rules as
 * `CodeRequestPolicy` (which checks again, with the user, when the code is issued), in
 * the order that decides where an error may be sent: first the client and the redirect
 * URI (errors on a page), then everything else (errors to the redirect URI). Parameters
 * it does not know are ignored.
 */
@Injectable()
export class AuthorizationRequestValidator {
  constructor(private readonly clients: ClientRegistry) {}

  async validate(raw: unknown): Promise<AuthorizationRequestCheck> {
    const params = raw instanceof AuthorizationParameters ? raw : new AuthorizationParameters(raw);
    const page = (message: string): AuthorizationRequestCheck => ({ ok: false, respond: 'page', message });

    // 1. The client and the redirect URI: nothing may be redirected before both are known good.
    if (params.repeated.includes('client_id')) return page('The client_id parameter is repeated.');
    const clientId = params.get('client_id');
    if (!clientId) return page('The request names no client (client_id is missing).');
    const client = await this.clients.findById(clientId);
    if (!client || client.disabled) return page('The application that sent you here is not registered, or is disabled.');

    if (params.repeated.includes('redirect_uri')) return page('The redirect_uri parameter is repeated.');
    const openid = (params.get('scope') ?? '').split(' ').includes('openid');
    let redirectUri = params.get('redirect_uri');
    if (redirectUri === undefined) {
      // RFC 6749 §3.1.2.3 lets a client with one registered URI omit it; OpenID Connect
      // (Core §3.1.2.1) requires it in every openid request.
      if (openid) return page('The request has no redirect_uri, which OpenID Connect requires.');
      if (client.redirectUris.length !== 1) return page('The request has no redirect_uri and the application has several registered.');
      redirectUri = client.redirectUris[0]!;
    } else if (!this.clients.isRedirectUriAllowed(client, redirectUri)) {
      return page('The redirect_uri is not registered for this application.');
    }

    // 2. Everything else goes back to the client.
    const state = params.repeated.includes('state') ? null : (params.get('state') ?? null);
    const refuse = (error: AuthorizationErrorCode, description: string): AuthorizationRequestCheck => ({
      ok: false,
      respond: 'redirect',
      redirectUri: redirectUri,
      state: state !== null && state.length <= PARAMETER_LIMITS.state ? state : null,
      error,
      description,
    });

    if (params.repeated.length > 0) return refuse('invalid_request', `The ${params.repeated[0]} parameter is repeated.`);
    if (params.has('request')) return refuse('request_not_supported', 'Request objects (the request parameter) are not supported.');
    if (params.has('request_uri')) return refuse('request_uri_not_supported', 'The request_uri parameter is not supported.');

    const responseType = params.get('response_type');
    if (responseType === undefined) return refuse('invalid_request', 'response_type is required.');
    if (responseType !== 'code') return refuse('unsupported_response_type', 'Only response_type=code is supported.');
    const responseMode = params.get('response_mode');
    if (responseMode !== undefined && responseMode !== 'query') {
      return refuse('invalid_request', 'Only response_mode=query is supported.');
    }
    if (!client.grantTypes.includes(AUTHORIZATION_CODE_GRANT)) {
      return refuse('unauthorized_client', 'This client may not use the authorization code grant.');
    }

    if (state !== null && state.length > PARAMETER_LIMITS.state) {
      return refuse('invalid_request', `state must be at most ${PARAMETER_LIMITS.state} characters.`);
    }

    const scope = checkScope(params.get('scope'), client);
    if (scope !== null && typeof scope === 'object') return refuse('invalid_scope', scope.message);

    const pkce = checkPkce(params.get('code_challenge'), params.get('code_challenge_method'), client);
    if ('message' in pkce) return refuse('invalid_request', pkce.message);

    const prompt = checkPrompt(params.get('prompt'));
    if (!Array.isArray(prompt)) return refuse('invalid_request', prompt.message);

    const maxAgeText = params.get('max_age');
    let maxAge: number | null = null;
    if (maxAgeText !== undefined) {
      if (!/^\d{1,9}$/.test(maxAgeText)) return refuse('invalid_request', 'max_age must be a non-negative integer number of seconds.');
      maxAge = Number(maxAgeText);
    }

    const nonce = params.get('nonce') ?? null;
    if (nonce !== null && nonce.length > PARAMETER_LIMITS.nonce) {
      return refuse('invalid_request', `nonce must be at most ${PARAMETER_LIMITS.nonce} characters.`);
    }
    const loginHint = params.get('login_hint') ?? null;
    if (loginHint !== null && loginHint.length > PARAMETER_LIMITS.loginHint) {
      return refuse('invalid_request', `login_hint must be at most ${PARAMETER_LIMITS.loginHint} characters.`);
    }
    const dpopJkt = params.get('dpop_jkt') ?? null;
    if (dpopJkt !== null && !JKT.test(dpopJkt)) return refuse('invalid_request', 'dpop_jkt must be a base64url JWK SHA-256 thumbprint.');

    return {
      ok: true,
      client,
      request: {
        clientId: client.clientId,
        redirectUri,
        scope,
        state,
        nonce,
        codeChallenge: pkce.codeChallenge,
        codeChallengeMethod: pkce.codeChallengeMethod,
        dpopJkt,
        prompt,
        maxAge,
        loginHint,
      },
    };
  }
}

/** The normalized scope, null when none was requested, or why it is refused. */
function checkScope(requested: string | undefined, client: ClientEntity): string | null | { message: string } {
  if (requested === undefined) return null;
  if (requested.length > PARAMETER_LIMITS.scope) return { message: `scope must be at most ${PARAMETER_LIMITS.scope} characters.` };
  const tokens = [...new Set(requested.split(' ').filter((t) => t !== ''))];
  if (tokens.some((t) => !SCOPE_TOKEN.test(t))) return { message: 'scope contains a character that is not allowed in a scope token.' };
  if (client.scopes.length > 0) {
    const outside = tokens.filter((t) => !client.scopes.includes(t));
    if (outside.length > 0) return { message: `The scope '${outside.join(' ')}' is not allowed for this client.` };
  }
  return tokens.join(' ');
}

/**
 * RFC 7636 and DESIGN.md §5: S256 is required of public clients and of clients with
 * requirePkce; `plain` (also what an absent code_challenge_method means, §4.3) only for
 * clients configured with allowPlainPkce.
 */
function checkPkce(
  challenge: string | undefined,
  method: string | undefined,
  client: ClientEntity,
): { codeChallenge: string | null; codeChallengeMethod: PkceMethod | null } | { message: string } {
  if (challenge === undefined) {
    if (method !== undefined) return { message: 'code_challenge is required with code_challenge_method.' };
    if (client.type === 'public' || client.requirePkce) return { message: 'PKCE is required: send code_challenge with code_challenge_method=S256.' };
    return { codeChallenge: null, codeChallengeMethod: null };
  }
  if (method !== undefined && !(PKCE_METHODS as readonly string[]).includes(method)) {
    return { message: 'code_challenge_method must be S256.' };
  }
  const effective = (method ?? 'plain') as PkceMethod;
  if (effective === 'plain' && !client.allowPlainPkce) {
    return {
      message:
        method === undefined
          ? 'code_challenge_method is required and must be S256 (absent means plain, which this client may not use).'
          : 'code_challenge_method must be S256: this client may not use plain.',
    };
  }
  if (!isCodeChallenge(challenge, effective)) {
    return {
      message:
        effective === 'S256'
          ? 'code_challenge must be the 43-character base64url SHA-256 of the code verifier.'
          : 'code_challenge must be 43 to 128 unreserved characters.',
    };
  }
  return { codeChallenge: challenge, codeChallengeMethod: effective };
}

/** OpenID Connect Core §3.1.2.1: space-separated; `none` must stand alone. */
function checkPrompt(value: string | undefined): Prompt[] | { message: string } {
  if (value === undefined) return [];
  const prompts = [...new Set(value.split(' ').filter((p) => p !== ''))];
  const unknown = prompts.find((p) => !(PROMPT_VALUES as readonly string[]).includes(p));
  if (unknown !== undefined) return { message: `prompt=${unknown} is not supported.` };
  if (prompts.includes('none') && prompts.length > 1) return { message: 'prompt=none cannot be combined with other prompt values.' };
  return prompts as Prompt[];
}
