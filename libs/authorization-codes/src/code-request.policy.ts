import { BadRequestException, Injectable } from '@nestjs/common';
import { isRedirectUriAllowed } from '@latchkey/clients';
import { ClientEntity, UserEntity } from '@latchkey/persistence';
import { DataSource } from 'typeorm';
import { isCodeChallenge, type PkceMethod } from './pkce.js';

/** An authorization request for a user the caller has authenticated. */
export interface CodeRequest {
  clientId: string;
  userId: string;
  redirectUri: string;
  /** Space-separated; omitted means the client's registered scopes. */
  scope?: string | null;
  codeChallenge?: string | null;
  /** Omitted with a codeChallenge means `plain` (RFC 7636 §4.3). */
  codeChallengeMethod?: PkceMethod | null;
  nonce?: string | null;
}

export type CodeRequestField = 'clientId' | 'userId' | 'redirectUri' | 'scope' | 'codeChallenge' | 'codeChallengeMethod';

export type CodeRequestCheck =
  | {
      ok: true;
      client: ClientEntity;
      user: UserEntity;
      /** Normalized: single spaces, no duplicates. */
      scope: string;
      codeChallenge: string | null;
      codeChallengeMethod: PkceMethod | null;
    }
  | { ok: false; field: CodeRequestField; message: string };

/** A 400 naming the field of a CodeRequest that does not fit the client or the user. */
export class CodeRequestRejected extends BadRequestException {
  constructor(
    readonly field: CodeRequestField,
    message: string,
  ) {
    super({ message, errors: [{ field, message }] });
  }
}

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const AUTHORIZATION_CODE_GRANT = 'authorization_code';

/**
 * Whether a code may be issued for this client, user and request: the client exists, is
 * enabled and may use the authorization_code grant; the redirect URI is byte-for-byte one
 * of its registered URIs; the user exists and is enabled; PKCE is present where the client
 * requires it (public clients always), S256 unless the client allows plain; the scope is
 * within the client's scopes when it lists any. Reads the rows directly, so that it needs
 * nothing but the persistence layer.
 */
@Injectable()
export class CodeRequestPolicy {
  constructor(private readonly dataSource: DataSource) {}

  async check(request: CodeRequest): Promise<CodeRequestCheck> {
    const fail = (field: CodeRequestField, message: string): CodeRequestCheck => ({ ok: false, field, message });

    const client = await this.dataSource.getRepository(ClientEntity).findOneBy({ clientId: request.clientId });
    if (!client) return fail('clientId', `clientId "${request.clientId}" is not a registered client`);
    if (client.disabled) return fail('clientId', `clientId "${client.clientId}" names a disabled client`);
    if (!client.grantTypes.includes(AUTHORIZATION_CODE_GRANT)) {
      return fail('clientId', `clientId "${client.clientId}" names a client that may not use the authorization_code grant`);
    }
    // Exact comparison (DESIGN.md §5): no normalization, no prefix or wildcard matching.
    if (!isRedirectUriAllowed(client, request.redirectUri)) {
      return fail('redirectUri', `redirectUri is not one of the redirect URIs registered for client "${client.clientId}"`);
    }

    const user = UUID.test(request.userId)
      ? await this.dataSource.getRepository(UserEntity).findOneBy({ id: request.userId })
      : null;
    if (!user) return fail('userId', `userId "${request.userId}" is not a known user`);
    if (user.disabled) return fail('userId', `userId "${user.id}" names a disabled user`);
    if (user.ownerClientId !== null && user.ownerClientId !== client.clientId) {
      return fail('userId', `userId "${user.id}" names an anonymous profile of another client`);
    }

    let codeChallenge: string | null = null;
    let codeChallengeMethod: PkceMethod | null = null;
    if (request.codeChallenge != null) {
      codeChallenge = request.codeChallenge;
      codeChallengeMethod = request.codeChallengeMethod ?? 'plain';
      if (codeChallengeMethod === 'plain' && !client.allowPlainPkce) {
        return fail(
          'codeChallengeMethod',
          `codeChallengeMethod must be S256: client "${client.clientId}" does not allow plain` +
            (request.codeChallengeMethod == null ? ' (the default when codeChallengeMethod is omitted)' : ''),
        );
      }
      if (!isCodeChallenge(codeChallenge, codeChallengeMethod)) {
        return fail(
          'codeChallenge',
          codeChallengeMethod === 'S256'
            ? 'codeChallenge must be the 43-character BASE64URL of a SHA-256 digest for S256'
            : 'codeChallenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ for plain',
        );
      }
    } else if (request.codeChallengeMethod != null) {
      return fail('codeChallenge', 'codeChallenge is required when codeChallengeMethod is given');
    } else if (client.type === 'public' || client.requirePkce) {
      return fail('codeChallenge', `codeChallenge is required: client "${client.clientId}" requires PKCE`);
    }

    const scope = this.checkScope(request.scope, client);
    if (typeof scope !== 'string') return fail('scope', scope.message);

    return { ok: true, client, user, scope, codeChallenge, codeChallengeMethod };
  }

  private checkScope(requested: string | null | undefined, client: ClientEntity): string | { message: string } {
    if (requested == null) return client.scopes.join(' ');
    const tokens = [...new Set(requested.split(' ').filter((t) => t !== ''))];
    const malformed = tokens.find((t) => !SCOPE_TOKEN.test(t));
    if (malformed !== undefined) return { message: `scope contains a character that is not allowed in a scope token` };
    if (client.scopes.length > 0) {
      const outside = tokens.filter((t) => !client.scopes.includes(t));
      if (outside.length) return { message: `scope "${outside.join(' ')}" is not allowed for client "${client.clientId}"` };
    }
    return tokens.join(' ');
  }
}
