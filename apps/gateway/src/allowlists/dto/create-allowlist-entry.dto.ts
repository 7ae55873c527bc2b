import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import { PATTERN_TYPES, type PatternType } from '@caracal/api-contract';

export class CreateAllowlistEntryDto {
  @ApiProperty()
  @IsUUID()
  agentId!: string;

  @ApiProperty({ example: 'https://api.anthropic.com/*' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  pattern!: string;

  @ApiProperty({ enum: PATTERN_TYPES })
  @IsIn(PATTERN_TYPES)
  patternType!: PatternType;
}
