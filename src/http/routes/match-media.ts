import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { TURNED_VARIANTS, type TurnedVariant } from '../../core/pdq';
import { asQuery, hashList, hashMedia, type AnyMediaHashes, type HashQuery, type HashWithVariants } from '../../services/hashing';
import { countMatchQuery, matchHashes } from '../../services/matching';
import { matchImageRobustly } from '../../services/robust-matching';
import type { AppEnv } from '../env';
import { readMedia } from '../media';
import { protectedRoute } from '../route';
import { MatchResultSchema, mediaBodyContent, mediaHashesSchema, problemResponses } from '../schemas';
import { shown } from '../../core/text';

const route = protectedRoute({
  method: 'post',
  path: '/v1/match/media',
  operationId: 'matchMedia',
  tags: ['matching'],
  summary: 'Hash an image, a video, a PDF or a text and match its hashes',
  description:
    "Hashes the uploaded image, video, PDF or text (stored nowhere) and matches every hash in one answer. An image is matched robustly by default: its rotations and mirrors, and its regions inside borders, letterbox bars or a phone screenshot's bars and with a small rotation undone, each at the threshold the node's rules give it (robust=false: the image as sent only, and with dihedral its rotations and mirrors, matched exactly as POST /v1/match matches the same hashes: the plain distance against a stored whole image, a stored region only within the rule table's whole-image row, a stored crop never). A match names the variant of the query that matched and its hash; a match near its threshold that no other hash of the upload supports is marked weak. A video matches stored videos by the vPDQ rule, and images through its frames; a PDF matches stored PDFs by its pages (and by the tlsh of its text), and images through its pages; a text matches by its tlsh.",
  scope: 'match',
  body: 'media',
  request: {
    // Strict: a misspelt option (robus=false) or one of another route (maxDistance) would otherwise
    // be dropped without a word, and the upload matched in a way the partner did not ask for.
    query: z.strictObject(
      {
        dihedral: z
          .enum(['true', 'false'], { error: (iss) => (iss.input === undefined ? undefined : `dihedral must be true or false, got ${shown(iss.input)}`) })
          .optional()
          .openapi({ description: 'With robust=false: also match the rotations and mirrors (images). Robust matching always does.' }),
        robust: z
          .enum(['true', 'false'], { error: (iss) => (iss.input === undefined ? undefined : `robust must be true or false, got ${shown(iss.input)}`) })
          .optional()
          .openapi({
            description:
              'Images: match rotations, mirrors, borders, bars, screenshots and small rotations (the default, true), or the image as sent only (false).',
          }),
      },
      { error: (iss) => (iss.code === 'unrecognized_keys' ? 'not a query parameter of this route, which takes dihedral and robust' : undefined) },
    ),
    body: { content: mediaBodyContent, required: true },
  },
  responses: {
    200: {
      description: 'The hashes and their matches.',
      content: { 'application/json': { schema: mediaHashesSchema({ results: z.array(MatchResultSchema) }) } },
    },
    ...problemResponses(422, 501),
  },
});

/** A hash of the upload as a client would send it to /v1/match: a pdq or blockhash with its rotations and mirrors. */
function asSentQuery(h: HashWithVariants): HashQuery {
  const q = asQuery(h);
  if (q.type !== 'pdq' && q.type !== 'blockhash') return q;
  const turned = (h.variants ?? []).filter((v): v is { variant: TurnedVariant; value: string } => (TURNED_VARIANTS as readonly string[]).includes(v.variant));
  return turned.length ? { ...q, variants: turned.map(({ variant, value }) => ({ variant, value })) } : q;
}

/** The upload's own hashes, without the variants it was matched with (each match names its own). */
function ownHashes(h: AnyMediaHashes): AnyMediaHashes {
  if (h.kind !== 'image') return h;
  const { variants: _probed, robust: _regions, ...own } = h;
  return own;
}

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deps = c.var.deps;
    const { bytes, contentType } = await readMedia(c);
    const q = c.req.valid('query');
    const robust = q.robust !== 'false';
    const hashed = await hashMedia(deps, bytes, {
      dihedral: robust || q.dihedral === 'true',
      robust: robust ? 'query' : undefined,
      contentType,
      admitted: c.var.imagePlace,
      signal: c.req.raw.signal,
    });
    // robust=false: the upload's hashes (with dihedral, its rotations and mirrors, hashed from the
    // pixels) matched exactly as /v1/match matches the same hashes sent by a client: a stored crop
    // never, a stored region only within the rule table's whole (or dihedral) row.
    const results = robust && hashed.kind === 'image' ? await matchImageRobustly(deps, hashed) : await matchHashes(deps, hashList(hashed).map(asSentQuery));
    await countMatchQuery(deps, c.var.principal.clientId, results.length);
    return c.json({ ...ownHashes(hashed), results }, 200);
  });
}
