import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';

export class CreateAllowlistEntryDto {
  @ApiProperty()
  @IsUUID()
  agentId!: string;

  @ApiProperty({ example: 'https://api.anthropic.com/*' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  pattern!: string;

  @ApiProperty({ enum: ['regex', 'glob'] })
  @IsIn(['regex', 'glob'])
  patternType!: 'regex' | 'glob';
}
