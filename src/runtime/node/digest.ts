import { createHash } from 'node:crypto';
import type { Digester } from '../../core/hashes';

export const nodeDigester: Digester = {
  md5: async (b) => createHash('md5').update(b).digest('hex'),
  sha256: async (b) => createHash('sha256').update(b).digest('hex'),
};
