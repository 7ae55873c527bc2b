import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { TIME_WINDOWS, WINDOW_TYPES } from '@caracal/api-contract';

export class UpdatePolicyDto {
  @ApiPropertyOptional({ example: '250.00' })
  @IsOptional()
  @IsString()
  limit?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  currency?: string;

  @ApiPropertyOptional({ enum: TIME_WINDOWS })
  @IsOptional()
  @IsIn(TIME_WINDOWS)
  timeWindow?: string;

  @ApiPropertyOptional({ enum: WINDOW_TYPES })
  @IsOptional()
  @IsIn(WINDOW_TYPES)
  windowType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  timezone?: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  changeReason!: string;
}
