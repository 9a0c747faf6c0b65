import { ForbiddenException, Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ADMIN_BEARER_STRATEGY } from './admin-bearer.strategy.js';
import { ADMIN_SCOPE, type AdminPrincipal } from './admin-principal.js';

/** 401 without a valid bearer token; 403 with one that lacks the `admin` scope. */
@Injectable()
export class AdminGuard extends AuthGuard(ADMIN_BEARER_STRATEGY) {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const principal = context.switchToHttp().getRequest<{ user?: AdminPrincipal }>().user;
    if (!principal?.scopes.includes(ADMIN_SCOPE)) {
      throw new ForbiddenException(`the access token lacks the "${ADMIN_SCOPE}" scope`);
    }
    return true;
  }
}
