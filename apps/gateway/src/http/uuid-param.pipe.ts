import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationError } from '@caracal/domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a UUID is a 400 naming the parameter, not a 404 or a database error. */
@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  constructor(private readonly field: string) {}

  transform(value: string): string {
    if (!UUID.test(value)) throw new ValidationError([{ field: this.field, message: `${this.field} must be a UUID` }]);
    return value.toLowerCase();
  }
}
