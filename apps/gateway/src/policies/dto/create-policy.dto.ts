import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { TIME_WINDOWS, WINDOW_TYPES } from '@caracal/api-contract';

export class CreatePolicyDto {
  @ApiProperty()
  @IsUUID()
  agentId!: string;

  @ApiProperty({ example: '100.00', description: 'decimal string in currency units; never a JSON number' })
  @IsString()
  limit!: string;

  @ApiProperty({ example: 'USD' })
  @IsString()
  currency!: string;

  @ApiProperty({ enum: TIME_WINDOWS })
  @IsIn(TIME_WINDOWS)
  timeWindow!: string;

  @ApiProperty({ enum: WINDOW_TYPES })
  @IsIn(WINDOW_TYPES)
  windowType!: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', description: 'IANA zone for calendar windows (default UTC)' })
  @IsOptional()
  @IsString()
  timezone?: string;

  @ApiProperty({ example: 'Initial budget allocation' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  changeReason!: string;
}
