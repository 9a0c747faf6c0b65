import { Delete, Get, HttpCode, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiOperation } from '@nestjs/swagger';
import { GrantsService } from '@latchkey/grants';
import { AdminController } from '../admin-controller.decorator.js';
import { ApiPageResponse, type Page } from '../pagination.dto.js';
import { GrantDto, GrantListQueryDto } from './grants.dto.js';

@AdminController('grants', 'admin: grants')
export class GrantsController {
  constructor(private readonly grants: GrantsService) {}

  @Get()
  @ApiOperation({ summary: 'List grants, newest first, optionally of one user and/or one client' })
  @ApiPageResponse(GrantDto)
  list(@Query() query: GrantListQueryDto): Promise<Page<GrantDto>> {
    return this.grants.page(query);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke a grant with all its refresh tokens and access tokens (idempotent)' })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked)' })
  @ApiNotFoundResponse({ description: 'No such grant' })
  revoke(@Param('id') id: string): Promise<void> {
    return this.grants.revokeOrThrow(id);
  }
}
