/**
 * Who the CLI talks to and as whom: `--node URL --client-id ID --key FILE`, each of which may come
 * from the environment instead (MHN_NODE, MHN_CLIENT_ID, MHN_KEY): a flag wins over a variable.
 * No configuration file: a shell profile, an .env file loaded by the caller, or a CI secret store
 * set the three variables, and the private key itself stays in its own 0600 file.
 */
import { NodeClient, type RetryOptions } from '../client';
import { fail, userPath } from './args';
import { readPrivateKey } from './key-files';
import type { Progress } from './progress';

export const CONNECT_OPTIONS = {
  node: { type: 'string' },
  'client-id': { type: 'string' },
  key: { type: 'string' },
} as const;

export const CONNECT_HELP = `  --node URL        the node (or MHN_NODE)
  --client-id ID    your client id (or MHN_CLIENT_ID)
  --key FILE        your private key file, mode 0600 (or MHN_KEY)`;

export interface ConnectFlags {
  node?: string;
  'client-id'?: string;
  key?: string;
}

export function connectionOf(values: ConnectFlags, env: Record<string, string | undefined> = process.env): { node: string; clientId: string; keyFile: string } {
  const node = values.node ?? env.MHN_NODE;
  const clientId = values['client-id'] ?? env.MHN_CLIENT_ID;
  const keyFile = values.key ?? env.MHN_KEY;
  if (!node || !clientId || !keyFile) {
    const missing = [!node && '--node (or MHN_NODE)', !clientId && '--client-id (or MHN_CLIENT_ID)', !keyFile && '--key (or MHN_KEY)'].filter(Boolean);
    fail(`this command needs ${missing.join(', ')}`, 2);
  }
  return { node, clientId, keyFile };
}

/** A signed-in NodeClient; waits on 429/503 are said on the progress line's terminal. */
export function connect(values: ConnectFlags, opts: { scope?: string; progress?: Progress; retry?: RetryOptions } = {}): NodeClient {
  const c = connectionOf(values);
  const key = readPrivateKey(userPath(c.keyFile));
  return new NodeClient({
    node: c.node,
    clientId: c.clientId,
    key,
    scope: opts.scope,
    retry: opts.retry,
    onRetry: (i) => opts.progress?.note(`the node answered ${i.status}; trying again in ${(i.delayMs / 1000).toFixed(1)} s (attempt ${i.attempt})`),
  });
}
