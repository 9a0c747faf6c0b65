import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The form fields of POST /oauth2/revoke (RFC 7009 §2.1; documentation only: the body is a form). */
export class RevocationRequestForm {
  @ApiProperty({ example: 'tGzv3JOkF0XG5Qx2TlKWIA', description: 'The access token or refresh token to revoke' })
  token: string;

  @ApiPropertyOptional({
    enum: ['access_token', 'refresh_token'],
    example: 'refresh_token',
    description: 'A hint only: the other kind is tried too; other values are ignored',
  })
  token_type_hint?: string;

  @ApiPropertyOptional({ example: 'my-app', description: 'client_secret_post and public clients (which send client_id alone)' })
  client_id?: string;

  @ApiPropertyOptional({ description: 'client_secret_post' })
  client_secret?: string;
}
