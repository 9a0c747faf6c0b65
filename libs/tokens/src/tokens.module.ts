import { Global, Module } from '@nestjs/common';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { IssuedTokensService } from './issued-tokens.service.js';
import { JwtAccessTokenVerifier } from './jwt-access-token-verifier.js';
import { Sigv4CredentialsService } from './sigv4-credentials.service.js';
import { Sigv4RequestVerifier } from './sigv4-request.verifier.js';
import { SigningKeysService } from './signing-keys.service.js';
import { TokenSigner } from './token-signer.service.js';

/**
 * Signing keys, JWT signing, issued-token records and access-token verification. Global,
 * so that AccessTokenVerifier reaches the admin bearer strategy (and later the oauth
 * endpoints) wherever this module is first imported; it needs the DataSource, KeyEncryption
 * and LatchkeyEnvironment, all global.
 */
@Global()
@Module({
  providers: [
    SigningKeysService,
    TokenSigner,
    IssuedTokensService,
    JwtAccessTokenVerifier,
    { provide: AccessTokenVerifier, useExisting: JwtAccessTokenVerifier },
    Sigv4CredentialsService,
    Sigv4RequestVerifier,
  ],
  exports: [SigningKeysService, TokenSigner, IssuedTokensService, JwtAccessTokenVerifier, AccessTokenVerifier, Sigv4CredentialsService, Sigv4RequestVerifier],
})
export class TokensModule {}
