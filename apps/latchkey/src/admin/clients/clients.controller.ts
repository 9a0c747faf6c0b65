import { Body, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
} from '@nestjs/swagger';
import { ClientApiKeyDto, ClientDto, ClientRegistry, ClientSecretDto, CreatedClientDto } from '@latchkey/clients';
import { AdminController } from '../admin-controller.decorator.js';
import { ApiPageResponse, ListQueryDto } from '../pagination.dto.js';
import { RegisterClientDto } from './register-client.dto.js';
import { RotateCredentialDto } from './rotate-credential.dto.js';
import { UpdateClientDto } from './update-client.dto.js';

const CLIENT_ID_PARAM = {
  name: 'clientId',
  description: 'URL-encoded: ARN-shaped ids contain ":" and "/" (arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device)',
  example: 'arn:aws:signin:::devtools/same-device',
};

@AdminController('clients', 'admin: clients')
@ApiBadRequestResponse({ description: 'A field failed validation (problem+json naming each field)' })
export class ClientsController {
  constructor(private readonly clients: ClientRegistry) {}

  @Post()
  @ApiOperation({ summary: 'Register a client; its secret and API key are shown in this answer only' })
  @ApiCreatedResponse({ type: CreatedClientDto })
  @ApiConflictResponse({ description: 'The clientId is taken' })
  register(@Body() body: RegisterClientDto): Promise<CreatedClientDto> {
    return this.clients.register(body);
  }

  @Get()
  @ApiOperation({ summary: 'List clients, oldest first' })
  @ApiPageResponse(ClientDto)
  list(@Query() query: ListQueryDto) {
    return this.clients.list(query);
  }

  @Get(':clientId')
  @ApiOperation({ summary: 'Read a client' })
  @ApiParam(CLIENT_ID_PARAM)
  @ApiOkResponse({ type: ClientDto })
  @ApiNotFoundResponse({ description: 'No such client' })
  read(@Param('clientId') clientId: string): Promise<ClientDto> {
    return this.clients.read(clientId);
  }

  @Patch(':clientId')
  @ApiOperation({ summary: 'Change a client\'s settings, or disable it' })
  @ApiParam(CLIENT_ID_PARAM)
  @ApiOkResponse({ type: ClientDto })
  @ApiNotFoundResponse({ description: 'No such client' })
  update(@Param('clientId') clientId: string, @Body() body: UpdateClientDto): Promise<ClientDto> {
    return this.clients.update(clientId, body);
  }

  @Delete(':clientId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a client, revoking its grants and every token issued to it' })
  @ApiParam(CLIENT_ID_PARAM)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such client' })
  delete(@Param('clientId') clientId: string): Promise<void> {
    return this.clients.delete(clientId);
  }

  @Post(':clientId/secret')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Rotate a confidential client\'s secret; the old one works for graceSeconds more' })
  @ApiParam(CLIENT_ID_PARAM)
  @ApiOkResponse({ type: ClientSecretDto })
  @ApiNotFoundResponse({ description: 'No such client' })
  rotateSecret(@Param('clientId') clientId: string, @Body() body: RotateCredentialDto): Promise<ClientSecretDto> {
    return this.clients.rotateSecret(clientId, body.graceSeconds);
  }

  @Post(':clientId/api-key')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Rotate a dressipi client\'s API key; the old one works for graceSeconds more' })
  @ApiParam(CLIENT_ID_PARAM)
  @ApiOkResponse({ type: ClientApiKeyDto })
  @ApiNotFoundResponse({ description: 'No such client' })
  rotateApiKey(@Param('clientId') clientId: string, @Body() body: RotateCredentialDto): Promise<ClientApiKeyDto> {
    return this.clients.rotateApiKey(clientId, body.graceSeconds);
  }
}
