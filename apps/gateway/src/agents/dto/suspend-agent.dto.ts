import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class SuspendAgentDto {
  @ApiProperty({ example: 'runaway loop' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}
