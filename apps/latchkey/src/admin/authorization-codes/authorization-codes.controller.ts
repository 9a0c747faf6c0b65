import { Body, Header, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiOperation } from '@nestjs/swagger';
import { AuthorizationCodeService } from '@latchkey/authorization-codes';
import { AdminController } from '../admin-controller.decorator.js';
import { AuthorizationCodeCreatedDto, CreateAuthorizationCodeDto } from './authorization-codes.dto.js';

@AdminController('authorization-codes', 'admin: authorization codes')
export class AuthorizationCodesController {
  constructor(private readonly codes: AuthorizationCodeService) {}

  @Post()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Issue an authorization code for a user that a trusted front end authenticated itself',
    description:
      'Creates the grant and a single-use code bound to the client, redirect URI, scope and PKCE challenge. ' +
      'The client redeems it at its token endpoint like a code from the login page.',
  })
  @ApiCreatedResponse({ type: AuthorizationCodeCreatedDto })
  @ApiBadRequestResponse({ description: 'A field failed validation, or does not fit the client or user; the problem names it' })
  create(@Body() body: CreateAuthorizationCodeDto): Promise<AuthorizationCodeCreatedDto> {
    return this.codes.issueForTrustedFrontEnd(body);
  }
}
