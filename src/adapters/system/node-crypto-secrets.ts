import { createHash, randomBytes } from 'node:crypto';
import { Secrets } from '../../application/ports/secrets';

export class NodeCryptoSecrets implements Secrets {
  token(prefix = ''): string {
    return `${prefix}${randomBytes(24).toString('base64url')}`;
  }

  hash(secret: string): string {
    return createHash('sha256').update(secret).digest('hex');
  }
}
