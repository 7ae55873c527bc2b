import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class VerifyBackupDto {
  @ApiPropertyOptional({ description: 'true: also restore it into a scratch database and run merkle verify-range over the restored log' })
  @IsOptional()
  @IsBoolean()
  trialRestore?: boolean;
}
