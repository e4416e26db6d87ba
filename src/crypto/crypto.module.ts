import { Logger, Module } from '@nestjs/common';
import { resolve } from 'node:path';
import { AuditModule } from '../audit/audit.module.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EncryptionController } from './encryption.controller.js';
import { Keyring, loadOrCreateDevKey } from './keyring.js';
import { ReencryptionService } from './reencryption.service.js';
import { SealedValuesRepository } from './sealed-values.repository.js';
import { SecretBox } from './secret-box.js';

@Module({
  imports: [AuditModule],
  controllers: [EncryptionController],
  providers: [
    {
      provide: Keyring,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<Keyring> => {
        if (config.encryptionKeys.length > 0) return new Keyring(config.encryptionKeys);
        // Production without keys is refused by loadConfig; this path is for development only.
        const dev = await loadOrCreateDevKey(resolve(config.dataDir));
        new Logger('Crypto').warn(
          `BROKER_ENCRYPTION_KEYS is not set: secrets are encrypted with a ${dev.created ? 'newly generated' : 'stored'} development key in ${config.dataDir}. Set BROKER_ENCRYPTION_KEYS for any real deployment.`,
        );
        return new Keyring([dev.spec]);
      },
    },
    { provide: SecretBox, inject: [Keyring], useFactory: (keyring: Keyring) => new SecretBox(keyring) },
    SealedValuesRepository,
    ReencryptionService,
  ],
  exports: [Keyring, SecretBox, SealedValuesRepository, ReencryptionService],
})
export class CryptoModule {}
