import { Global, Module } from '@nestjs/common';
import { KeyEncryption } from './key-encryption.js';
import { SecretDigester } from './secret-digester.js';

@Global()
@Module({ providers: [SecretDigester, KeyEncryption], exports: [SecretDigester, KeyEncryption] })
export class CryptoModule {}
