import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';

export class TestAllowlistDto {
  @ApiProperty()
  @IsUUID()
  agentId!: string;

  @ApiProperty({ example: 'https://api.openai.com/v1/chat/completions' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(8192)
  url!: string;
}
