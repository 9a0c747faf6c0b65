import { TokenRateLimits } from '@latchkey/rate-limits';
import { Injectable } from '@nestjs/common';
import { AuthorizationCodeService, CodeRequestPolicy } from '@latchkey/authorization-codes';
import { ClientRegistry } from '@latchkey/clients';
import { LatchkeyEnvironment, resolveIssuer } from '@latchkey/config';
import type { ClientEntity, UserEntity } from '@latchkey/persistence';
import { UsersService } from '@latchkey/users';
import {
  AuthorizationParameters,
  authorizationResponseUrl,
  type AuthorizationErrorCode,
  type PendingAuthorization,
} from './authorization-request.js';
import { AuthorizationRequestValidator } from './authorization-request.validator.js';
import {
  INTERACTION_COOKIE,
  INTERACTION_COOKIE_PATH,
  parseCookieHeader,
  serializeCookie,
  SESSION_COOKIE,
} from './browser-cookies.js';
import { INTERACTION_LIFETIME_SECONDS, InteractionTokens, type OpenedInteraction } from './interaction-token.service.js';
import { SESSION_LIFETIME_SECONDS, SessionTokens } from './session-token.service.js';

/** The one message a failed sign-in shows, whatever failed (unknown user, wrong password, disabled). */
export const LOGIN_FAILED_MESSAGE = 'Invalid username or password.';

/**
 * What the authorization endpoint answers. Every outcome carries the Set-Cookie values
 * to send with it.
 * - login_page: render the sign-in form for `clientName`, with `interaction` in a hidden
 *   input (status 200, also after a failed sign-in, which sets `error`);
 * - redirect: 303 to `location` (the client's redirect URI with code or error, state, iss);
 * - error_page: the request cannot be answered to the client (unknown client, bad
 *   redirect URI, an invalid or expired sign-in form): an HTML page with this status.
 */
export type AuthorizationOutcome =
  | {
      kind: 'login_page';
      status: 200;
      clientId: string;
      clientName: string;
      interaction: string;
      /** Prefilled into the username input: what was typed before, or login_hint. */
      username: string;
      error: string | null;
      /** Where the form's submission will end up, for the page's CSP form-action. */
      redirectUri: string;
      cookies: string[];
    }
  | { kind: 'redirect'; location: string; cookies: string[] }
  | { kind: 'error_page'; status: number; message: string; cookies: string[] };

const INTERACTION_FAILURES: Record<Exclude<OpenedInteraction, { ok: true }>['reason'], string> = {
  missing: 'The sign-in form was posted without its interaction value. Go back to the application and start again.',
  invalid: 'This sign-in form is not valid. Go back to the application and start again.',
  expired: 'This sign-in form has expired. Go back to the application and sign in again.',
  other_browser:
    'This sign-in form was opened in another browser, or your browser did not keep this site\'s cookie. ' +
    'Allow cookies for this site, go back to the application and start again.',
};

/** A browser binding we made: base64url of 32 random bytes. */
const BINDING = /^[A-Za-z0-9_-]{43}$/;

/**
 * The authorization endpoint (RFC 6749 §4.1, OpenID Connect Core §3.1.2): decides, for a
 * request and the browser's cookies, whether to show the sign-in form, redirect with a
 * code, or redirect (or show) an error. The HTTP layer only renders the outcome.
 *
 * A browser that signed in within the last 8 hours (the session cookie) gets a code at
 * once, unless prompt=login or select_account asks for the form, or its sign-in is older
 * than max_age; prompt=none never shows the form (login_required instead). There is no
 * consent screen: clients are registered by the operator.
 */
@Injectable()
export class AuthorizationFlow {
  private readonly issuer: string;
  private readonly secureCookies: boolean;

  constructor(
    env: LatchkeyEnvironment,
    private readonly validator: AuthorizationRequestValidator,
    private readonly interactions: InteractionTokens,
    private readonly sessions: SessionTokens,
    private readonly clients: ClientRegistry,
    private readonly users: UsersService,
    private readonly policy: CodeRequestPolicy,
    private readonly codes: AuthorizationCodeService,
    private readonly limits: TokenRateLimits,
  ) {
    this.issuer = resolveIssuer(env);
    this.secureCookies = this.issuer.startsWith('https://');
  }

  /** GET /oauth2/authorize, or an authorization request POSTed as a form (OIDC Core §3.1.2.1). */
  async authorize(params: unknown, cookieHeader: string | string[] | undefined, now: Date = new Date()): Promise<AuthorizationOutcome> {
    const cookies = parseCookieHeader(cookieHeader);
    const check = await this.validator.validate(params);
    if (!check.ok) {
      if (check.respond === 'page') return errorPage(400, check.message);
      return this.errorRedirect(check.redirectUri, check.state, check.error, check.description);
    }
    const { request, client } = check;

    const signedIn = await this.currentSession(cookies);
    const cookiesOut = signedIn === 'invalid' ? [this.clearSessionCookie()] : [];
    const session = signedIn === 'invalid' ? null : signedIn;
    const tooOld = session !== null && request.maxAge !== null && seconds(now) - seconds(session.authTime) >= request.maxAge;

    if (request.prompt.includes('none')) {
      if (!session || tooOld) {
        return withCookies(this.errorRedirect(request.redirectUri, request.state, 'login_required', 'The user is not signed in.'), cookiesOut);
      }
      return withCookies(await this.issue(request, session.user.id, session.authTime), cookiesOut);
    }
    const mustAsk = request.prompt.includes('login') || request.prompt.includes('select_account');
    if (!session || mustAsk || tooOld) {
      return withCookies(await this.loginPage(request, client, cookies, request.loginHint ?? '', null), cookiesOut);
    }
    return withCookies(await this.issue(request, session.user.id, session.authTime), cookiesOut);
  }

  /**
   * POST /oauth2/authorize: the sign-in form (it carries `interaction`), or else an
   * authorization request sent as a form. `form` is null when the body was not
   * application/x-www-form-urlencoded.
   */
  async submit(form: Record<string, unknown> | null, cookieHeader: string | string[] | undefined, ip?: string): Promise<AuthorizationOutcome> {
    if (form === null) return errorPage(415, 'The request body must be a form (application/x-www-form-urlencoded).');
    const params = new AuthorizationParameters(form);
    if (!params.has('interaction')) return this.authorize(form, cookieHeader);
    return this.login(params, parseCookieHeader(cookieHeader), ip);
  }

  private async login(params: AuthorizationParameters, cookies: Record<string, string>, ip?: string): Promise<AuthorizationOutcome> {
    if (params.repeated.includes('interaction')) return errorPage(400, INTERACTION_FAILURES.invalid);
    const opened = await this.interactions.open(params.get('interaction'), cookies[INTERACTION_COOKIE]);
    if (!opened.ok) return errorPage(400, INTERACTION_FAILURES[opened.reason]);
    const request = opened.request;
    const client = await this.clients.findById(request.clientId);
    if (!client || client.disabled) return errorPage(400, 'The application that sent you here is not registered, or is disabled.');

    const username = params.repeated.includes('username') ? '' : (params.get('username') ?? '');
    const password = params.repeated.includes('password') ? '' : (params.get('password') ?? '');
    // Failed sign-ins count like failed client authentications (AUTH_FAILURE_LIMIT_PER_MINUTE),
    // per username and per IP: once over, the password is not even checked until the
    // window ends, which also spares the argon2id work.
    const caller = { clientId: `user ${username.toLowerCase().slice(0, 128)}`, ip };
    const locked = await this.limits.admitAuthentication(caller);
    if (locked) {
      return this.loginPage(request, client, cookies, username.slice(0, 256), `Too many failed sign-ins. Try again in ${locked.retryAfter} seconds.`);
    }
    const user = await this.users.verifyLogin(username, password);
    if (!user || user.ownerClientId !== null) {
      await this.limits.recordAuthenticationFailure(caller);
      return this.loginPage(request, client, cookies, username.slice(0, 256), LOGIN_FAILED_MESSAGE);
    }

    // auth_time is kept to the second (a JWT NumericDate), the same in the session and the code.
    const authTime = new Date(seconds(new Date()) * 1000);
    const session = serializeCookie(SESSION_COOKIE, await this.sessions.seal(user.id, authTime), {
      path: '/',
      maxAge: SESSION_LIFETIME_SECONDS,
      secure: this.secureCookies,
    });
    return withCookies(await this.issue(request, user.id, authTime), [session]);
  }

  /**
   * Issues the code after checking the request again with the user (CodeRequestPolicy:
   * the client may have changed since the form was shown, the user may be disabled), and
   * redirects to the client with `code`, `state` and `iss`.
   */
  private async issue(request: PendingAuthorization, userId: string, authTime: Date): Promise<AuthorizationOutcome> {
    const checked = await this.policy.check({
      clientId: request.clientId,
      userId,
      redirectUri: request.redirectUri,
      scope: request.scope,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      nonce: request.nonce,
    });
    if (!checked.ok) {
      switch (checked.field) {
        case 'clientId':
        case 'redirectUri':
          return errorPage(400, 'The application that sent you here is not registered, or is disabled.');
        case 'userId':
          return this.errorRedirect(request.redirectUri, request.state, 'access_denied', 'This account cannot sign in to this application.');
        case 'scope':
          return this.errorRedirect(request.redirectUri, request.state, 'invalid_scope', checked.message);
        case 'codeChallenge':
        case 'codeChallengeMethod':
          return this.errorRedirect(request.redirectUri, request.state, 'invalid_request', checked.message);
      }
    }
    const issued = await this.codes.issue({
      clientId: checked.client.clientId,
      userId: checked.user.id,
      redirectUri: request.redirectUri,
      scope: checked.scope,
      codeChallenge: checked.codeChallenge,
      codeChallengeMethod: checked.codeChallengeMethod,
      nonce: request.nonce,
      dpopJkt: request.dpopJkt,
      authTime,
    });
    return {
      kind: 'redirect',
      location: authorizationResponseUrl(request.redirectUri, { code: issued.code, state: request.state, iss: this.issuer }),
      cookies: [],
    };
  }

  private async loginPage(
    request: PendingAuthorization,
    client: ClientEntity,
    cookies: Record<string, string>,
    username: string,
    error: string | null,
  ): Promise<AuthorizationOutcome> {
    // One binding per browser, kept while it is in use, so that forms open in several tabs all work.
    const existing = cookies[INTERACTION_COOKIE];
    const binding = existing !== undefined && BINDING.test(existing) ? existing : this.interactions.newBrowserBinding();
    return {
      kind: 'login_page',
      status: 200,
      clientId: client.clientId,
      clientName: client.name,
      interaction: await this.interactions.seal(request, binding),
      username,
      error,
      redirectUri: request.redirectUri,
      cookies: [
        serializeCookie(INTERACTION_COOKIE, binding, {
          path: INTERACTION_COOKIE_PATH,
          maxAge: INTERACTION_LIFETIME_SECONDS,
          secure: this.secureCookies,
        }),
      ],
    };
  }

  /**
   * The signed-in user of the session cookie; null without a session; 'invalid' when the
   * cookie is not (or no longer) good: expired or forged, the user gone, disabled, or
   * their password changed after that sign-in.
   */
  private async currentSession(cookies: Record<string, string>): Promise<{ user: UserEntity; authTime: Date } | null | 'invalid'> {
    const value = cookies[SESSION_COOKIE];
    if (value === undefined) return null;
    const session = await this.sessions.open(value);
    if (!session) return 'invalid';
    const user = await this.users.findById(session.userId);
    if (!user || user.disabled || user.ownerClientId !== null) return 'invalid';
    if (seconds(user.credentialsChangedAt) > seconds(session.authTime)) return 'invalid';
    return { user, authTime: session.authTime };
  }

  private clearSessionCookie(): string {
    return serializeCookie(SESSION_COOKIE, '', { path: '/', maxAge: 0, secure: this.secureCookies });
  }

  /** RFC 6749 §4.1.2.1 with RFC 9207's iss. */
  private errorRedirect(redirectUri: string, state: string | null, error: AuthorizationErrorCode, description: string): AuthorizationOutcome {
    return {
      kind: 'redirect',
      location: authorizationResponseUrl(redirectUri, { error, error_description: errorDescription(description), state, iss: this.issuer }),
      cookies: [],
    };
  }
}

function errorPage(status: number, message: string): AuthorizationOutcome {
  return { kind: 'error_page', status, message, cookies: [] };
}

function withCookies(outcome: AuthorizationOutcome, cookies: string[]): AuthorizationOutcome {
  return cookies.length === 0 ? outcome : { ...outcome, cookies: [...cookies, ...outcome.cookies] };
}

/** RFC 6749 §4.1.2.1: error_description is printable ASCII without `"` and `\`. */
function errorDescription(text: string): string {
  return text.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
