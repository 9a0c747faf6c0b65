import { ConflictException, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ExpiredTokenPurge } from '@latchkey/token-purge';
import { AdminController } from '../admin-controller.decorator.js';
import { PurgedRowsDto } from './purge.dto.js';

@AdminController('purge', 'admin: purge')
export class PurgeController {
  constructor(private readonly purge: ExpiredTokenPurge) {}

  /** 200, not 201: nothing is created. */
  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Delete expired codes, refresh-token families and access-token records now',
    description:
      'What every process also does every PURGE_INTERVAL_SECONDS: authorization codes a day after they expired, refresh ' +
      "tokens once their family's absolute lifetime is over, records of expired access tokens and SigV4 credentials. " +
      'Grants are kept. Answers the rows deleted.',
  })
  @ApiOkResponse({ type: PurgedRowsDto })
  @ApiConflictResponse({ description: 'Another process is purging right now' })
  async run(): Promise<PurgedRowsDto> {
    const purged = await this.purge.purge();
    if (!purged) throw new ConflictException('Another Latchkey process is purging right now; try again later.');
    return purged;
  }
}
