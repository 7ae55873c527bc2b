import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class CreateSnapshotDto {
  @ApiPropertyOptional({ description: 'a label for the snapshot, e.g. "before-upgrade" (printable text, at most 200 characters)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[^\p{Cc}\p{Cs}]*$/u, { message: 'tag must not contain control characters' })
  tag?: string;
}
