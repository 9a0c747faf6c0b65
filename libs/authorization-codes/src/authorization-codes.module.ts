import { Module } from '@nestjs/common';
import { GrantsModule } from '@latchkey/grants';
import { AuthorizationCodeService } from './authorization-code.service.js';
import { CodeRequestPolicy } from './code-request.policy.js';

@Module({
  imports: [GrantsModule],
  providers: [AuthorizationCodeService, CodeRequestPolicy],
  exports: [AuthorizationCodeService, CodeRequestPolicy],
})
export class AuthorizationCodesModule {}
