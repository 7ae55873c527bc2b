import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import { AGENT_STATUSES, type AgentStatus } from '@caracal/api-contract';
import { PageQuery } from '../../http/dto/page.query.js';

export class ListAgentsQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  owner?: string;

  @ApiPropertyOptional({ enum: AGENT_STATUSES })
  @IsOptional()
  @IsIn(AGENT_STATUSES)
  status?: AgentStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  parentAgentId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  name?: string;
}
