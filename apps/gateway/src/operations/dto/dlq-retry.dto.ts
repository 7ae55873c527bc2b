import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';

export class DlqRetryDto {
  @ApiPropertyOptional({ description: 'only this processor (consumer group)' })
  @IsOptional()
  @IsString()
  processor?: string;
}
