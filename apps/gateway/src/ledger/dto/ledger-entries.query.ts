import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { PageQuery } from '../../http/dto/page.query.js';
import { IsTime } from '../../http/is-time.decorator.js';

export class LedgerEntriesQuery extends PageQuery {
  @ApiProperty()
  @IsUUID()
  agentId!: string;

  @ApiPropertyOptional({ example: '2024-01-01T00:00:00Z', description: 'inclusive; ISO 8601 with a zone, or "now"' })
  @IsOptional()
  @IsTime({ allowNow: true })
  startTime?: string;

  @ApiPropertyOptional({ example: '2024-01-31T23:59:59Z', description: 'inclusive; ISO 8601 with a zone, or "now"' })
  @IsOptional()
  @IsTime({ allowNow: true })
  endTime?: string;
}
