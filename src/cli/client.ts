/**
 * The partner's command line: what a member platform's integration does, from a shell.
 *
 *   npm run client -- token --node URL --client-id ID --key FILE [--scope "match hash"] [--json]
 *       signs a client assertion with the private JWK in FILE and prints an access token
 *   npm run client -- hash FILE [--json]
 *       computes the hashes of an image or video locally, exactly as the node does; the media never
 *       leaves the machine (videos need ffmpeg)
 */
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { nodeDigester } from '../runtime/node/digest';
import { SharpImageDecoder } from '../runtime/node/image';
import { DEFAULT_LIMITS, DEFAULT_VIDEO } from '../services/deps';
import { hashMedia } from '../services/hashing';
import { FfmpegVideoDecoder } from '../runtime/node/video';
import { Slots } from '../core/slots';
import { fail, main, out, parse } from './args';
import { requestToken } from './oauth';

const USAGE = `usage:
  npm run client -- token --node URL --client-id ID --key FILE [--scope SCOPES] [--json]
  npm run client -- hash FILE [--json]`;

main(async () => {
  const [cmd, ...rest] = process.argv.slice(2);
  if (!cmd || cmd === '--help' || cmd === '-h') return out(false, null, USAGE);

  if (cmd === 'token') {
    const { values } = parse(rest, { node: { type: 'string' }, 'client-id': { type: 'string' }, key: { type: 'string' }, scope: { type: 'string' } });
    if (!values.node || !values['client-id'] || !values.key) fail(`token needs --node, --client-id and --key\n${USAGE}`, 2);
    let jwk: JWK;
    try {
      jwk = JSON.parse(readFileSync(values.key, 'utf8'));
    } catch (e) {
      fail(`cannot read the private JWK in ${values.key}: ${(e as Error).message}`);
    }
    const body = await requestToken(values.node, values['client-id'], jwk, values.scope);
    return out(values.json, body, body.access_token);
  }

  if (cmd === 'hash') {
    const { values, positionals } = parse(rest, {});
    if (!positionals[0]) fail(`hash needs a file\n${USAGE}`, 2);
    const hashes = await hashMedia(
      {
        decoder: new SharpImageDecoder({ maxPixels: DEFAULT_LIMITS.maxImagePixels }),
        digests: nodeDigester,
        // Videos with the system's ffmpeg (FFMPEG_PATH to use another), under the node's default limits.
        video: { ...DEFAULT_VIDEO, slots: new Slots(1, 0), decoder: new FfmpegVideoDecoder({ ffmpegPath: process.env.FFMPEG_PATH }) },
        limits: { ...DEFAULT_LIMITS, maxBodyBytes: Number.MAX_SAFE_INTEGER },
      },
      new Uint8Array(readFileSync(positionals[0])),
    );
    return out(values.json, hashes, JSON.stringify(hashes, null, 2));
  }

  fail(`unknown command: ${cmd}\n${USAGE}`, 2);
});
