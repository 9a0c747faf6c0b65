import { ApiPropertyOptional } from '@nestjs/swagger';
import { LIMITS } from '@latchkey/clients';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** POST /admin/clients/{clientId}/secret and /api-key. */
export class RotateCredentialDto {
  @ApiPropertyOptional({
    description: 'Seconds during which the previous value keeps working (0: it stops at once)',
    minimum: LIMITS.graceSeconds.min,
    maximum: LIMITS.graceSeconds.max,
    default: 0,
    example: 3600,
  })
  @IsOptional()
  @IsInt()
  @Min(LIMITS.graceSeconds.min)
  @Max(LIMITS.graceSeconds.max)
  graceSeconds?: number;
}
