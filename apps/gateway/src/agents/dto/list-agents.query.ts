import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import { PageQuery } from '../../http/dto/page.query.js';

export class ListAgentsQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  owner?: string;

  @ApiPropertyOptional({ enum: ['active', 'suspended'] })
  @IsOptional()
  @IsIn(['active', 'suspended'])
  status?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  parentAgentId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  name?: string;
}
