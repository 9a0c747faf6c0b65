import { ApiProperty } from '@nestjs/swagger';

/** What one purge deleted (ExpiredTokenPurge). */
export class PurgedRowsDto {
  @ApiProperty({ example: 120, description: 'Authorization codes more than a day past their expiry' })
  authorizationCodes: number;

  @ApiProperty({ example: 3400, description: 'Refresh tokens of families whose absolute lifetime is over' })
  refreshTokens: number;

  @ApiProperty({ example: 51000, description: 'Records of expired access tokens and SigV4 credentials' })
  issuedTokens: number;
}
