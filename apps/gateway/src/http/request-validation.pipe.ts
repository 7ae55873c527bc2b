import { ValidationPipe, type ValidationError as ClassValidatorError } from '@nestjs/common';
import { ValidationError } from '@caracal/domain';

/**
 * class-validator at the edge, reported in the same shape as the domain's own ValidationError:
 * one issue per bad field, unknown fields refused, so a typo never passes silently.
 */
export function requestValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors: ClassValidatorError[]) => new ValidationError(flatten(errors, '')),
  });
}

function flatten(errors: ClassValidatorError[], prefix: string): { field: string; message: string }[] {
  return errors.flatMap((error) => {
    // An empty key is named visibly, as its JSON spelling.
    const property = error.property === '' ? '""' : error.property;
    const field = prefix ? `${prefix}.${property}` : property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
