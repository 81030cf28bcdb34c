/**
 * HMA-compatible lookups (issue 12 item 6): `GET /compat/hma/m/raw_lookup` and `/compat/hma/m/lookup`
 * answer as hasher-matcher-actioner's matcher blueprint (OpenMediaMatch/blueprints/matching.py and
 * schemas/matching.py in github.com/facebook/ThreatExchange) answers `/m/raw_lookup` and `/m/lookup`,
 * so an integration written against HMA changes only its base URL and adds a bearer token (scope
 * `match`). The mapping (signal types, banks as labels, ids, distances): services/hma-compat.ts and
 * docs/interchange.md. Refusals are problem+json, with HMA's `message` member beside `detail`.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError } from '../../core/errors';
import { checkHash } from '../../core/hashes';
import { signalTypeNamed, signalTypeNames, type SignalTypeMapping } from '../../core/interchange';
import { countMatchQuery } from '../../services/matching';
import { hashList, hashMedia } from '../../services/hashing';
import { hmaLookup, hmaLookupHashes, hmaRawLookup } from '../../services/hma-compat';
import type { AppEnv } from '../env';
import { readMedia } from '../media';
import { protectedRoute } from '../route';
import { problemResponses } from '../schemas';

const HmaMatchSchema = z
  .object({
    bank_content_id: z.number().int().openapi({ description: "The matched hash's integer key in this node (HMA: the bank content's id)." }),
    distance: z
      .string()
      .openapi({ description: 'As HMA writes it: the Hamming (or TLSH) distance as a string; "-" for exact types (video_md5, video_sha256).', example: '4' }),
  })
  .openapi('HmaMatchWithDistance');

const signalType = z
  .string()
  .max(100, 'signal_type is at most 100 characters')
  .openapi({ description: `python-threatexchange's signal type name: ${signalTypeNames()}.`, example: 'pdq' });
const signal = z
  .string()
  .max(200, 'signal is at most 200 characters')
  .openapi({ description: 'The hash, as python-threatexchange writes it (pdq: 64 hex digits).' });
const banks = z
  .string()
  .max(2000, 'banks is at most 2000 characters')
  .optional()
  .openapi({ description: 'Comma-separated banks to keep: here a bank is a label id (GET /v1/labels).' });
const flag = (name: string) =>
  z
    .string()
    .regex(/^(true|false|1|0)$/i, `${name} must be true or false`)
    .optional()
    .openapi({ description: `${name}: true or false.` });

const raw = protectedRoute({
  method: 'get',
  path: '/compat/hma/m/raw_lookup',
  operationId: 'hmaRawLookup',
  tags: ['compat'],
  summary: "HMA's raw hash lookup",
  description:
    "HMA's `GET /m/raw_lookup`: the matched hashes' integer keys, or with `include_distance=true` each with its distance. Unlike HMA's, only active hashes match (retracted ones never do), the same as POST /v1/match.",
  scope: 'match',
  body: 'none',
  request: { query: z.object({ signal_type: signalType, signal, banks, include_distance: flag('include_distance') }) },
  responses: {
    200: {
      description: "HMA's RawLookupResponse.",
      content: { 'application/json': { schema: z.object({ matches: z.array(z.union([z.number().int(), HmaMatchSchema])) }).openapi('HmaRawLookupResponse') } },
    },
  },
});

const lookup = protectedRoute({
  method: 'get',
  path: '/compat/hma/m/lookup',
  operationId: 'hmaLookup',
  tags: ['compat'],
  summary: "HMA's lookup by signal",
  description:
    "HMA's `GET /m/lookup` with `signal_type` and `signal`: the matches by bank, a bank being a label here (a hash with two labels is under both). HMA's `url` (hash a URL's content) is refused: this node never fetches media. `seed` and `bypass_coinflip` are taken and change nothing: every label always matches.",
  scope: 'match',
  body: 'none',
  request: {
    query: z.object({
      signal_type: signalType.optional(),
      signal: signal.optional(),
      banks,
      url: z.string().max(4000, 'url is at most 4000 characters').optional().openapi({ description: 'Refused: the node never fetches media.' }),
      seed: z.string().max(200, 'seed is at most 200 characters').optional(),
      bypass_coinflip: flag('bypass_coinflip'),
    }),
  },
  responses: {
    200: {
      description: "HMA's LookupResponse (signal_type given): bank name to its matches.",
      content: { 'application/json': { schema: z.record(z.string(), z.array(HmaMatchSchema)).openapi('HmaLookupResponse') } },
    },
  },
});

const lookupFile = protectedRoute({
  method: 'post',
  path: '/compat/hma/m/lookup',
  operationId: 'hmaLookupFile',
  tags: ['compat'],
  summary: "HMA's lookup of an uploaded file",
  description:
    "HMA's `POST /m/lookup`: one file in a multipart body, its field named after its content type as HMA names them (`photo`, `video`; `file` is taken too). The node hashes it in memory (stored nowhere) and answers each hash that has a python-threatexchange signal type as `GET /compat/hma/m/lookup` does, keyed by the signal type. A video's vPDQ has none: its video_md5 and video_sha256 are looked up (POST /v1/match/media matches videos by their frames).",
  scope: 'match',
  body: 'media',
  request: {
    query: z.object({ banks, seed: z.string().max(200, 'seed is at most 200 characters').optional(), bypass_coinflip: flag('bypass_coinflip') }),
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: z.object({
            photo: z.any().optional().openapi({ type: 'string', format: 'binary' }),
            video: z.any().optional().openapi({ type: 'string', format: 'binary' }),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: "Signal type to HMA's LookupResponse.",
      content: { 'application/json': { schema: z.record(z.string(), z.record(z.string(), z.array(HmaMatchSchema))).openapi('HmaLookupFileResponse') } },
    },
    ...problemResponses(422, 501),
  },
});

/** A refusal in the node's words, with HMA's `message` member too. */
const refuse = (path: string, message: string) => new DomainError('invalid_request', message, { errors: [{ path, message }], extra: { message } });

/** The query's signal type mapped and its signal as the node stores it, or a 400 naming the field. */
function signalOf(typeName: string, value: string): { signalType: SignalTypeMapping; value: string } {
  const mapped = signalTypeNamed(typeName);
  if (!mapped) throw refuse('signal_type', `No such SignalType '${typeName}': this node takes ${signalTypeNames()}`);
  const checked = checkHash(mapped.hashType, value.trim(), 'signal');
  if ('problems' in checked) throw refuse('signal', `invalid signal: ${typeName}: ${checked.problems.map((p) => p.message).join('; ')}`);
  return { signalType: mapped, value: checked.value };
}

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(raw, async (c) => {
    const q = c.req.valid('query');
    const answer = await hmaRawLookup(c.var.deps, {
      ...signalOf(q.signal_type, q.signal),
      banks: q.banks,
      includeDistance: /^(true|1)$/i.test(q.include_distance ?? ''),
    });
    await countMatchQuery(c.var.deps, c.var.principal.clientId, 1);
    return c.json(answer, 200);
  });
  app.openapi(lookup, async (c) => {
    const q = c.req.valid('query');
    if (q.url !== undefined)
      throw refuse('url', 'lookup by url is not offered: this node never fetches media; hash it yourself and send signal_type and signal');
    if (!q.signal || !q.signal_type)
      throw refuse(
        q.signal_type ? 'signal' : 'signal_type',
        'Either url or both signal and signal_type are required (here: signal and signal_type; url is not offered)',
      );
    const answer = await hmaLookup(c.var.deps, { ...signalOf(q.signal_type, q.signal), banks: q.banks });
    await countMatchQuery(c.var.deps, c.var.principal.clientId, 1);
    return c.json(answer, 200);
  });
  app.openapi(lookupFile, async (c) => {
    const deps = c.var.deps;
    const { bytes, contentType } = await readMedia(c, ['photo', 'video', 'file']);
    const hashes = hashList(await hashMedia(deps, bytes, { contentType, signal: c.req.raw.signal }));
    const answer = await hmaLookupHashes(deps, hashes, c.req.valid('query').banks);
    await countMatchQuery(deps, c.var.principal.clientId, Object.keys(answer).length);
    return c.json(answer, 200);
  });
}
