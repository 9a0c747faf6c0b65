import {
  BadRequestException,
  HttpException,
  HttpStatus,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
} from '@nestjs/common';
import { UnreadableBody } from '@latchkey/negotiation';

export interface FieldError {
  field: string;
  message: string;
}

/** A 400 that names each field that failed. */
export class ValidationProblem extends BadRequestException {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * The admin API's validation: DTO whitelist, types transformed, unknown fields refused;
 * a body that could not be parsed is a 400, one of another content type a 415, one over
 * the size limit a 413.
 */
class AdminValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata) {
    if (value instanceof UnreadableBody) {
      if (value.reason === 'unsupported_media_type') {
        throw new HttpException('The admin API accepts application/json bodies.', HttpStatus.UNSUPPORTED_MEDIA_TYPE);
      }
      if (value.reason === 'too_large') throw new HttpException(value.message, HttpStatus.PAYLOAD_TOO_LARGE);
      throw new BadRequestException(value.message);
    }
    return super.transform(value, metadata);
  }
}

export function adminValidationPipe(): ValidationPipe {
  return new AdminValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationProblem(flatten(errors)),
  });
}
