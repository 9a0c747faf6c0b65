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
import { CreatedUserDto, UserDto, UsersService } from '@latchkey/users';
import { AdminController } from '../admin-controller.decorator.js';
import { ApiPageResponse, ListQueryDto } from '../pagination.dto.js';
import { CreateUserDto } from './create-user.dto.js';
import { UpdateUserDto } from './update-user.dto.js';

const ID_PARAM = { name: 'id', format: 'uuid', example: '3f1c2a9e-8d4b-4f6a-9c1e-2b7d5a0e4f81' };

@AdminController('users', 'admin: users')
@ApiBadRequestResponse({ description: 'A field failed validation (problem+json naming each field)' })
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiOperation({ summary: 'Create a user with a password (stored as argon2id)' })
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiConflictResponse({ description: 'The username is taken (compared without regard to case)' })
  create(@Body() body: CreateUserDto): Promise<CreatedUserDto> {
    return this.users.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List users, oldest first' })
  @ApiPageResponse(UserDto)
  list(@Query() query: ListQueryDto) {
    return this.users.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a user' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ description: 'No such user' })
  read(@Param('id') id: string): Promise<UserDto> {
    return this.users.read(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change name, email, password, or the disabled flag' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ description: 'No such user' })
  update(@Param('id') id: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return this.users.update(id, body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Disable a user and revoke their grants (the record stays)' })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse({ description: 'Disabled' })
  @ApiNotFoundResponse({ description: 'No such user' })
  disable(@Param('id') id: string): Promise<void> {
    return this.users.disable(id);
  }
}
