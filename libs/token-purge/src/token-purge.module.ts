import { Module } from '@nestjs/common';
import { ExpiredTokenPurge } from './expired-token-purge.service.js';

@Module({ providers: [ExpiredTokenPurge], exports: [ExpiredTokenPurge] })
export class TokenPurgeModule {}
