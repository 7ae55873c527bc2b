import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { IsTime } from '../../http/is-time.decorator.js';

export class DlqListQuery {
  @ApiPropertyOptional({ example: 'ledger-writer-group' })
  @IsOptional()
  @IsString()
  processor?: string;

  @ApiPropertyOptional({ description: 'entries whose last failure is at or after this time' })
  @IsOptional()
  @IsTime({ allowNow: false })
  since?: string;

  @ApiPropertyOptional({ enum: ['parked', 'retried', 'discarded', 'all'], default: 'parked' })
  @IsOptional()
  @IsIn(['parked', 'retried', 'discarded', 'all'])
  status?: 'parked' | 'retried' | 'discarded' | 'all';

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
