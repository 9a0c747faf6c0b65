import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';

/** The parameters of an authorization request (documentation only: read as sent). */
export class AuthorizationRequestParameters {
  @ApiProperty({ enum: ['code'], example: 'code', description: 'Only `code`; anything else is answered with unsupported_response_type.' })
  response_type: string;

  @ApiProperty({ example: 'my-app' })
  client_id: string;

  @ApiPropertyOptional({
    example: 'https://app.example.com/callback',
    description:
      'Compared exactly with the registered URIs. May be omitted when the client has exactly one and the scope does not include openid.',
  })
  redirect_uri?: string;

  @ApiPropertyOptional({ example: 'openid profile email', description: "Within the client's scopes (else invalid_scope); omitted means all of them." })
  scope?: string;

  @ApiPropertyOptional({ example: 'af0ifjsldkj', description: 'Returned unchanged with the code or the error.' })
  state?: string;

  @ApiPropertyOptional({ example: 'n-0S6_WzA2Mj', description: 'Copied into the ID token.' })
  nonce?: string;

  @ApiPropertyOptional({
    example: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    description: 'PKCE (RFC 7636): required of public clients and of clients configured with requirePkce.',
  })
  code_challenge?: string;

  @ApiPropertyOptional({
    enum: ['S256', 'plain'],
    example: 'S256',
    description: 'S256. `plain` (also what an absent method means) only for clients configured to allow it.',
  })
  code_challenge_method?: string;

  @ApiPropertyOptional({
    example: 'login',
    description:
      '`none`: never show the form (login_required without a session); `login` or `select_account`: always show it; `consent` is accepted and has no effect.',
  })
  prompt?: string;

  @ApiPropertyOptional({ type: Number, example: 3600, description: 'Seconds: a sign-in older than this is asked again. auth_time goes into the ID token.' })
  max_age?: string;

  @ApiPropertyOptional({ example: 'ada', description: 'Prefills the username on the sign-in form.' })
  login_hint?: string;

  @ApiPropertyOptional({ enum: ['query'], example: 'query', description: 'Only `query`.' })
  response_mode?: string;

  @ApiPropertyOptional({
    example: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I',
    description: 'RFC 9449 §10: binds the code to this DPoP key (JWK SHA-256 thumbprint).',
  })
  dpop_jkt?: string;
}

/**
 * POST /oauth2/authorize takes either an authorization request as a form (OpenID Connect
 * Core §3.1.2.1, the same parameters as GET) or the sign-in form (interaction, username,
 * password).
 */
export class AuthorizationFormBody extends PartialType(AuthorizationRequestParameters) {
  @ApiPropertyOptional({
    description: 'The sign-in form: the signed, 10-minute interaction value from the hidden input of the page.',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImxhdGNoa2V5LWludGVyYWN0aW9uK2p3dCJ9...',
  })
  interaction?: string;

  @ApiPropertyOptional({ description: 'The sign-in form.', example: 'ada' })
  username?: string;

  @ApiPropertyOptional({ description: 'The sign-in form.', example: 'correct horse battery staple' })
  password?: string;
}
