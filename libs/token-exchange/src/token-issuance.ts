import { Injectable } from '@nestjs/common';
import type { ClientEntity, ClientProfile } from '@latchkey/persistence';
import {
  IssuedTokensService,
  newTokenId,
  SIGV4_MAX_LIFETIME_SECONDS,
  Sigv4CredentialsService,
  TokenSigner,
  type AccessTokenPlan,
  type AccessTokenRecordDraft,
  type Sigv4CredentialsPlan,
} from '@latchkey/tokens';
import { UsersService } from '@latchkey/users';
import type { EntityManager } from 'typeorm';
import { SIGV4_TOKEN_TYPE, type TokenResult } from './token-result.js';

/**
 * What an access token is: an RFC 9068 JWT, or (aws-signin) real SigV4 credentials
 * (access key id, secret, session token) recorded in issued_tokens like a JWT's jti.
 */
export type AccessTokenFormat = 'jwt' | 'sigv4';

/** The access-token format of each client profile: the profile, not the request, decides. */
const ACCESS_TOKEN_FORMATS: Record<ClientProfile, AccessTokenFormat> = {
  standard: 'jwt',
  midnight: 'jwt',
  'aws-signin': 'sigv4',
  huawei: 'jwt',
  dressipi: 'jwt',
};

export function accessTokenFormat(client: Pick<ClientEntity, 'profile'>): AccessTokenFormat {
  return ACCESS_TOKEN_FORMATS[client.profile] ?? 'jwt';
}

/**
 * Whether a refresh answers with a new ID token (OIDC Core §12.2 allows it). aws-signin's
 * refresh response has no ID token ("not included in token refresh responses"), so none is
 * signed for it: an ES256 signature per refresh that its mapper would only drop.
 */
export function idTokenOnRefresh(client: Pick<ClientEntity, 'profile'>): boolean {
  return client.profile !== 'aws-signin';
}

/**
 * A recorded access token. For the sigv4 format, `jti` is the access key id, the lifetime is
 * at most SIGV4_MAX_LIFETIME_SECONDS, and `credentials` holds what the client is given.
 */
export interface PlannedAccessToken extends AccessTokenPlan {
  credentials?: Sigv4CredentialsPlan;
}

export interface AccessTokenSpec {
  client: ClientEntity;
  subject: string;
  userId: string | null;
  grantId: string | null;
  scope: string;
  dpopJkt: string | null;
  authTime?: Date | null;
}

/**
 * An access token drawn up before the grant it belongs to is known (the refresh path
 * records it in the rotation's own statement): its id, times, binding and, for SigV4, its
 * credentials. `planFromDraft` completes it once the rotation has answered.
 */
export interface AccessTokenDraft {
  client: ClientEntity;
  record: AccessTokenRecordDraft;
  expiresIn: number;
  credentials?: Sigv4CredentialsPlan;
}

export interface IssuedTokens {
  plan: PlannedAccessToken;
  refreshToken?: string;
  /** Present when an ID token is due (scope openid and a user). */
  idToken?: { nonce?: string | null };
}

/**
 * The part every grant shares: plan and record the access token inside the handler's
 * transaction, then, after commit, sign it (and the ID token) without touching the
 * database except for the user's name and email. The client's profile chooses the
 * access-token format (accessTokenFormat); grant handlers do not need to know it.
 */
@Injectable()
export class TokenIssuance {
  constructor(
    private readonly signer: TokenSigner,
    private readonly issued: IssuedTokensService,
    private readonly users: UsersService,
    private readonly sigv4: Sigv4CredentialsService,
  ) {}

  async recordAccessToken(spec: AccessTokenSpec, manager: EntityManager): Promise<PlannedAccessToken> {
    if (accessTokenFormat(spec.client) === 'sigv4') return this.recordSigv4Credentials(spec, manager);
    const plan = this.signer.planAccessToken({
      clientId: spec.client.clientId,
      subject: spec.subject,
      userId: spec.userId,
      grantId: spec.grantId,
      scope: spec.scope,
      expiresIn: spec.client.accessTokenTtl,
      dpopJkt: spec.dpopJkt,
      authTime: spec.authTime,
    });
    await this.issued.recordAccessToken(plan, manager);
    return plan;
  }

  /** See AccessTokenDraft. */
  draftAccessToken(client: ClientEntity, dpopJkt: string | null): AccessTokenDraft {
    if (accessTokenFormat(client) === 'sigv4') {
      const credentials = this.sigv4.plan({
        clientId: client.clientId,
        userId: null,
        grantId: null,
        scope: '',
        expiresIn: Math.min(client.accessTokenTtl, SIGV4_MAX_LIFETIME_SECONDS),
      });
      return {
        client,
        credentials,
        expiresIn: credentials.expiresIn,
        record: {
          id: credentials.accessKeyId,
          kind: 'sigv4_credentials',
          dpopJkt: null,
          secretEncrypted: this.sigv4.encryptedSecret(credentials),
          issuedAt: credentials.issuedAt,
          expiresAt: credentials.expiresAt,
        },
      };
    }
    // The same lifetime arithmetic as planAccessToken, so the plan made later agrees.
    const plan = this.signer.planAccessToken({ clientId: client.clientId, subject: '', jti: newTokenId(), expiresIn: client.accessTokenTtl, dpopJkt });
    return {
      client,
      expiresIn: plan.expiresIn,
      record: { id: plan.jti, kind: 'access_token', dpopJkt, secretEncrypted: null, issuedAt: plan.issuedAt, expiresAt: plan.expiresAt },
    };
  }

  /** The INSERT of a draft's record, to chain to a rotation or a code redemption. */
  recordDraftFrom(draft: AccessTokenDraft) {
    return IssuedTokensService.rowInsertFrom(draft.record);
  }

  /** The plan of a drafted token, once its grant, user and scope are known. */
  planFromDraft(draft: AccessTokenDraft, spec: Omit<AccessTokenSpec, 'client' | 'dpopJkt'>): PlannedAccessToken {
    const plan = this.signer.planAccessToken({
      jti: draft.record.id,
      clientId: draft.client.clientId,
      subject: spec.subject,
      userId: spec.userId,
      grantId: spec.grantId,
      scope: spec.scope,
      expiresIn: draft.expiresIn,
      issuedAt: draft.record.issuedAt,
      dpopJkt: draft.record.dpopJkt,
      authTime: spec.authTime,
    });
    if (!draft.credentials) return plan;
    return { ...plan, credentials: { ...draft.credentials, userId: spec.userId, grantId: spec.grantId, scope: spec.scope } };
  }

  /**
   * SigV4 credentials instead of a JWT: the same record (issued_tokens, kind
   * sigv4_credentials, id = the access key id, with the encrypted secret) in the same
   * transaction, living min(accessTokenTtl, 900) seconds. They are not bound to a DPoP key
   * (a SigV4 signature is their proof of possession); the refresh token still is.
   */
  private async recordSigv4Credentials(spec: AccessTokenSpec, manager: EntityManager): Promise<PlannedAccessToken> {
    const credentials = this.sigv4.plan({
      clientId: spec.client.clientId,
      userId: spec.userId,
      grantId: spec.grantId,
      scope: spec.scope,
      expiresIn: Math.min(spec.client.accessTokenTtl, SIGV4_MAX_LIFETIME_SECONDS),
    });
    await this.sigv4.record(credentials, manager);
    const plan = this.signer.planAccessToken({
      jti: credentials.accessKeyId,
      clientId: spec.client.clientId,
      subject: spec.subject,
      userId: spec.userId,
      grantId: spec.grantId,
      scope: spec.scope,
      expiresIn: credentials.expiresIn,
      issuedAt: credentials.issuedAt,
      dpopJkt: null,
      authTime: spec.authTime,
    });
    return { ...plan, credentials };
  }

  async complete(tokens: IssuedTokens): Promise<TokenResult> {
    const { plan } = tokens;
    const [access, user] = await Promise.all([
      plan.credentials ? Promise.resolve(null) : this.signer.signAccessToken(plan),
      plan.userId ? this.users.profile(plan.userId) : Promise.resolve(null),
    ]);
    const idToken =
      tokens.idToken && plan.userId && hasScope(plan.scope, 'openid')
        ? await this.signer.signIdToken({
            clientId: plan.clientId,
            subject: plan.userId,
            scope: plan.scope,
            authTime: plan.authTime,
            nonce: tokens.idToken.nonce,
            // at_hash is defined for JWT access tokens only.
            accessToken: access?.token,
            user: user ?? undefined,
          })
        : undefined;
    const credentials = plan.credentials;
    return {
      accessToken: access?.token ?? credentials!.accessKeyId,
      tokenType: plan.dpopJkt ? 'DPoP' : 'Bearer',
      expiresIn: access?.expiresIn ?? credentials!.expiresIn,
      scope: plan.scope,
      ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
      ...(idToken ? { idToken } : {}),
      ...(credentials
        ? {
            credentials: {
              tokenType: SIGV4_TOKEN_TYPE,
              accessKeyId: credentials.accessKeyId,
              secretAccessKey: credentials.secretAccessKey,
              sessionToken: credentials.sessionToken,
              expiresAt: credentials.expiresAt,
            },
          }
        : {}),
      clientId: plan.clientId,
      grantId: plan.grantId,
      ...(user ? { user: { id: user.id, name: user.name, email: user.email } } : {}),
    };
  }
}

export function hasScope(scope: string, wanted: string): boolean {
  return scope.split(' ').includes(wanted);
}

/** A refresh token is issued when the client is configured for it and may use the grant. */
export function issuesRefreshTokens(client: ClientEntity): boolean {
  return client.issueRefreshToken && client.grantTypes.includes('refresh_token');
}

/** RFC 9449 §5: refresh tokens are bound to the DPoP key only for public clients. */
export function refreshTokenBinding(client: ClientEntity, jkt: string | undefined): string | null {
  return client.type === 'public' && jkt ? jkt : null;
}
