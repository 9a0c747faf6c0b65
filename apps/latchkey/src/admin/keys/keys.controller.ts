import { Body, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { SigningKeysService } from '@latchkey/tokens';
import { AdminController } from '../admin-controller.decorator.js';
import { RotateKeysDto, SigningKeyDto, SigningKeyListDto } from './keys.dto.js';

@AdminController('keys', 'admin: keys')
export class KeysController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get()
  @ApiOperation({ summary: 'List the published signing keys (next, active, and retired keys still in the JWKS)' })
  @ApiOkResponse({ type: SigningKeyListDto })
  async list(): Promise<SigningKeyListDto> {
    return { items: await this.keys.list() };
  }

  /** 200, not 201: rotation changes the states of existing keys and answers with the key that signs now. */
  @Post('rotate')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Rotate: the next key becomes active, the active key retires, a new next key is generated',
    description:
      'Tokens signed by the retired key stay verifiable: it stays in the JWKS until they have all expired. ' +
      'Answers with the new active key.',
  })
  @ApiBody({ type: RotateKeysDto, required: false })
  @ApiOkResponse({ type: SigningKeyDto, description: 'The key that signs from now on' })
  rotate(@Body() body: RotateKeysDto = {}): Promise<SigningKeyDto> {
    return this.keys.rotate(body?.alg);
  }
}
