import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PASSWORD_LENGTH, USERNAME, type CreateUserInput } from '@latchkey/users';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** POST /admin/users. */
export class CreateUserDto implements CreateUserInput {
  @ApiProperty({ description: 'Unique without regard to case; no whitespace', maxLength: 128, example: 'ada' })
  @IsString()
  @Matches(USERNAME, { message: 'username must be 1 to 128 characters without whitespace' })
  username: string;

  @ApiProperty({ minLength: PASSWORD_LENGTH.min, maxLength: PASSWORD_LENGTH.max, example: 'correct horse battery staple' })
  @IsString()
  @MinLength(PASSWORD_LENGTH.min)
  @MaxLength(PASSWORD_LENGTH.max)
  password: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'ada@example.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;
}
