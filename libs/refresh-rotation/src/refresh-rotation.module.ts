import { Module } from '@nestjs/common';
import { GrantsModule } from '@latchkey/grants';
import { RefreshTokenService } from './refresh-token.service.js';

@Module({ imports: [GrantsModule], providers: [RefreshTokenService], exports: [RefreshTokenService] })
export class RefreshRotationModule {}
