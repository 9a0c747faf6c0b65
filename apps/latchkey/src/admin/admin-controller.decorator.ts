import { applyDecorators, Controller, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminGuard } from './auth/admin.guard.js';
import { ProblemDetailsFilter } from './problem/problem-details.filter.js';
import { adminValidationPipe } from './problem/validation-problem.js';

const problem = (status: number, detail: string) => ({
  content: {
    'application/problem+json': {
      example: { type: 'about:blank', title: status === 401 ? 'Unauthorized' : 'Forbidden', status, detail, instance: '/admin/...' },
    },
  },
});

/** An admin REST controller under /admin/<path>: bearer auth, validation, problem+json errors. */
export function AdminController(path: string, tag: string) {
  return applyDecorators(
    Controller(`admin/${path}`),
    ApiTags(tag),
    ApiBearerAuth('admin'),
    UseGuards(AdminGuard),
    UseFilters(ProblemDetailsFilter),
    UsePipes(adminValidationPipe()),
    ApiUnauthorizedResponse({ description: 'No bearer token, or not a valid one', ...problem(401, 'A valid admin bearer token is required.') }),
    ApiForbiddenResponse({ description: 'A valid token without the admin scope', ...problem(403, 'the access token lacks the "admin" scope') }),
  );
}
