import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class CreateBackupDto {
  @ApiProperty({ enum: ['postgresql', 'kafka'], description: 'postgresql: the event store\'s database; kafka: the Kafka bus topics (needs CARACAL_BUS=kafka)' })
  @IsIn(['postgresql', 'kafka'], { message: 'type must be postgresql or kafka' })
  type!: 'postgresql' | 'kafka';

  @ApiPropertyOptional({ description: 'a label for the backup, e.g. "corruption-evidence" (printable text, at most 200 characters)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[^\p{Cc}\p{Cs}]*$/u, { message: 'tag must not contain control characters' })
  tag?: string;
}
