import { ApiProperty } from '@nestjs/swagger';
import { Equals } from 'class-validator';

export class ResetDto {
  @ApiProperty({ description: 'must be true: empties every read model, checkpoint and the DLQ (never events)' })
  @Equals(true, { message: 'confirm must be true: a reset empties every read model, checkpoint and the DLQ' })
  confirm!: boolean;
}
