import { ApiProperty } from '@nestjs/swagger';

export interface CreateUserInput {
  username: string;
  password: string;
  name: string;
  email?: string | null;
}

/** A partial update; `email: null` clears the address. A new password is hashed here. */
export interface UpdateUserInput {
  name?: string;
  email?: string | null;
  password?: string;
  disabled?: boolean;
}

export interface ListUsersInput {
  limit: number;
  offset: number;
}

/** The answer to POST /admin/users (DESIGN.md §4). */
export class CreatedUserDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2a9e-8d4b-4f6a-9c1e-2b7d5a0e4f81' })
  id: string;

  @ApiProperty({ example: 'ada' })
  username: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  name: string;

  @ApiProperty({ type: String, nullable: true, example: 'ada@example.com' })
  email: string | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  createdAt: Date;
}

/** A user as the admin API shows it: never the password hash. */
export class UserDto extends CreatedUserDto {
  @ApiProperty({ example: false })
  disabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  updatedAt: Date;
}

export interface UserPage {
  items: UserDto[];
  total: number;
  limit: number;
  offset: number;
}
