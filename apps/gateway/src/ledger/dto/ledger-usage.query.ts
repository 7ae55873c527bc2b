import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';
import { TIME_WINDOWS } from '@caracal/api-contract';

export class LedgerUsageQuery {
  @ApiProperty()
  @IsUUID()
  agentId!: string;

  @ApiProperty({ enum: TIME_WINDOWS })
  @IsIn(TIME_WINDOWS)
  timeWindow!: string;
}
