import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LatchkeyEnvironment, resolveIssuer } from '@latchkey/config';
import { buildServerMetadata } from '@latchkey/token-exchange';
import { SigningKeysService } from '@latchkey/tokens';

@ApiTags('oauth2')
@Controller()
export class DiscoveryController {
  private readonly metadata: Record<string, unknown>;

  constructor(
    env: LatchkeyEnvironment,
    private readonly keys: SigningKeysService,
  ) {
    this.metadata = buildServerMetadata(resolveIssuer(env));
  }

  @Get('.well-known/openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'OpenID Connect Discovery 1.0 metadata' })
  @ApiOkResponse({ schema: { example: buildServerMetadata('https://id.example.com') } })
  openidConfiguration() {
    return this.metadata;
  }

  @Get('.well-known/oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'OAuth 2.0 Authorization Server Metadata (RFC 8414)' })
  @ApiOkResponse({ schema: { example: buildServerMetadata('https://id.example.com') } })
  oauthAuthorizationServer() {
    return this.metadata;
  }

  @Get('oauth2/jwks')
  @Header('Cache-Control', 'public, max-age=60')
  @Header('Content-Type', 'application/jwk-set+json')
  @ApiOperation({ summary: 'The public signing keys (next, active and recently retired)' })
  @ApiOkResponse({
    schema: {
      example: { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'kid-1', alg: 'ES256', use: 'sig' }] },
    },
  })
  jwks() {
    return this.keys.jwks();
  }
}
