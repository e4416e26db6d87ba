import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { EncryptionStatus, ReencryptionState } from './encryption-status.js';
import { ReencryptionService } from './reencryption.service.js';

class KeyRowsView {
  @ApiProperty({ example: 'k2' }) kid: string;
  @ApiProperty({ example: 1234, description: 'Stored secrets sealed with this key' }) rows: number;
}

class ReencryptionView {
  @ApiProperty({
    enum: ['idle', 'running', 'done'],
    description: '`running`: a pass runs on this replica; `done`: every secret is under the active key',
  })
  state: ReencryptionState;

  @ApiProperty({ example: 1200, description: 'Secrets under the active key' }) done: number;
  @ApiProperty({ example: 1234, description: 'All stored secrets' }) total: number;
}

export class EncryptionStatusView implements EncryptionStatus {
  @ApiProperty({ example: 'k2' }) active_kid: string;

  @ApiProperty({
    type: [KeyRowsView],
    description: 'Every configured key (0 rows included), then any key id found only in the data',
  })
  keys: KeyRowsView[];

  @ApiProperty({ type: ReencryptionView }) reencryption: ReencryptionView;
}

@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/encryption')
export class EncryptionController {
  constructor(private readonly reencryption: ReencryptionService) {}

  @Get()
  @ApiOperation({
    summary: 'How many stored secrets each key still protects: an old key can go once its rows are 0',
  })
  @ApiOkResponse({ type: EncryptionStatusView })
  status(): Promise<EncryptionStatusView> {
    return this.reencryption.status();
  }
}
