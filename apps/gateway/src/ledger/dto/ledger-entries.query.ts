import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { PageQuery } from '../../http/dto/page.query.js';

const TIME = /^(now|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))$/;

export class LedgerEntriesQuery extends PageQuery {
  @ApiProperty()
  @IsUUID()
  agentId!: string;

  @ApiPropertyOptional({ example: '2024-01-01T00:00:00Z', description: 'inclusive; ISO 8601 with a zone, or "now"' })
  @IsOptional()
  @IsString()
  @Matches(TIME, { message: 'startTime must be an ISO 8601 time with a zone (e.g. 2024-01-01T00:00:00Z) or "now"' })
  startTime?: string;

  @ApiPropertyOptional({ example: '2024-01-31T23:59:59Z', description: 'inclusive; ISO 8601 with a zone, or "now"' })
  @IsOptional()
  @IsString()
  @Matches(TIME, { message: 'endTime must be an ISO 8601 time with a zone (e.g. 2024-01-31T23:59:59Z) or "now"' })
  endTime?: string;
}
