import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export class StartReplayDto {
  @ApiPropertyOptional({ description: 'replay from this restored snapshot (give this or fromStart)' })
  @IsOptional()
  @IsUUID('all', { message: 'fromSnapshotId must be a UUID' })
  fromSnapshotId?: string;

  @ApiPropertyOptional({ description: 'true: replay from the start of the log (after db reset)' })
  @IsOptional()
  @IsBoolean()
  fromStart?: boolean;

  @ApiPropertyOptional({ description: 'only this processor (consumer group), e.g. ledger-writer-group' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  processor?: string;
}
