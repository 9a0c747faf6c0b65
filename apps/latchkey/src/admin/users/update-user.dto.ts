import { ApiPropertyOptional } from '@nestjs/swagger';
import { PASSWORD_LENGTH, type UpdateUserInput } from '@latchkey/users';
import { IsBoolean, IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** PATCH /admin/users/{id}: any of these. */
export class UpdateUserDto implements UpdateUserInput {
  @ApiPropertyOptional({ example: 'Ada King' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'null clears it', example: 'ada@example.org' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({ description: 'A new password (marks the credentials changed)', minLength: PASSWORD_LENGTH.min, example: 'a new long passphrase' })
  @IsOptional()
  @IsString()
  @MinLength(PASSWORD_LENGTH.min)
  @MaxLength(PASSWORD_LENGTH.max)
  password?: string;

  @ApiPropertyOptional({ description: 'true disables the user and revokes their grants; false enables them again', example: false })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}
