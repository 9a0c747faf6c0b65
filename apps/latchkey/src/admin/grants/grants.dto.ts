import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ListQueryDto } from '../pagination.dto.js';

/** GET /admin/grants?userId=&clientId=&limit=&offset= */
export class GrantListQueryDto extends ListQueryDto {
  @ApiProperty({ required: false, description: "Only this user's grants", format: 'uuid', example: '3f1c2a9e-5b7d-4c8e-9a01-2b3c4d5e6f70' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiProperty({ required: false, description: "Only this client's grants", example: 'web-app' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  clientId?: string;
}

/** One authorization: every code, refresh token and access token issued from it shares it. */
export class GrantDto {
  @ApiProperty({ format: 'uuid', example: '9b2f6c1e-0d4a-4e7b-8c3f-5a6b7c8d9e01' })
  id: string;

  @ApiProperty({ example: 'web-app' })
  clientId: string;

  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'Null for client_credentials', example: '3f1c2a9e-5b7d-4c8e-9a01-2b3c4d5e6f70' })
  userId: string | null;

  @ApiProperty({ description: 'Space-separated', example: 'openid profile' })
  scope: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null while the grant is live', example: null })
  revokedAt: Date | null;
}
