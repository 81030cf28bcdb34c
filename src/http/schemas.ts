/** Schemas shared by several routes. Field meanings live here, so /openapi.json documents the API. */
import { z } from '@hono/zod-openapi';
import { HASH_TYPES, THRESHOLDS } from '../core/hashes';
import { PDF_RENDER_DPI } from '../core/document';
import { PDQ_DIHEDRAL_VARIANTS } from '../core/pdq';
import { ROBUST_DEFAULTS, tiltVariant } from '../core/robust';
import { LabelIdSchema, PdfPageSchema, VideoFrameSchema } from './hash-input';

const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://media-hash-node.dev/problems/invalid-request' }),
    title: z.string().openapi({ example: 'Bad Request' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: 'pdq value must be 64 hex characters (256 bits), got 63' }),
    code: z.string().openapi({ description: 'Stable machine-readable error code; branch on this, not on `detail`.', example: 'invalid_request' }),
    errors: z
      .array(z.object({ path: z.string().openapi({ example: 'hashes/0/value' }), message: z.string() }))
      .optional()
      .openapi({ description: 'One entry per offending field.' }),
  })
  .openapi('Problem');

export const HashTypeSchema = z.enum(HASH_TYPES).openapi({ description: 'Hash type.', example: 'pdq' });

export const HashValueSchema = z.string().openapi({
  description:
    'Lowercase hex: 64 characters for pdq, blockhash, sha256 and url (the SHA-256 of a canonical URL, or of a host or path-prefix key); 32 for md5; for vpdq and pdf the SHA-256 of its frame or page list. tlsh: T1 and 70 upper-case hex digits (TLSH 4, 128 buckets), as the reference prints it.',
  example: 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22',
});

const ImageHashesSchema = z
  .object({
    kind: z.literal('image'),
    hashes: z.object({
      pdq: z.object({ value: HashValueSchema, quality: z.number().int().min(0).max(100) }).openapi({
        description: `PDQ (bit-exact with Meta's reference as HMA computes it) and its quality (0-100); hashes of quality below ${THRESHOLDS.pdq.minQuality} are not shared.`,
      }),
      blockhash: z.object({ value: HashValueSchema }).openapi({ description: 'blockhash, 16x16 blocks (method 2), 256 bits.' }),
      md5: z.object({ value: z.string() }),
      sha256: z.object({ value: z.string() }),
    }),
    media: z.object({ width: z.number().int(), height: z.number().int(), format: z.string().openapi({ example: 'jpeg' }) }),
    robust: z
      .array(
        z.object({ type: z.enum(['pdq', 'blockhash']), value: HashValueSchema, quality: z.number().int().min(0).max(100).optional(), variant: z.string() }),
      )
      .optional()
      .openapi({
        description:
          "Sharing: the perceptual hashes of the whole image and of its regions (trim: inside borders; screen: inside a phone screenshot's bars; deskew: a small rotation undone; crop-…: crops), with their quality (PDQ's, or blockhash's: the share of blocks clear of their band's median).",
      }),
  })
  .openapi('ImageHashes');

export const OmittedHashSchema = z
  .object({ type: z.enum(['pdq', 'blockhash']), variant: z.string(), quality: z.number().int(), reason: z.string() })
  .openapi('OmittedHash', {
    description: 'A perceptual hash of an image left out of a share: too weak (a flat image or region) to be told from unrelated images.',
  });

const VideoHashesSchema = z
  .object({
    kind: z.literal('video'),
    hashes: z.object({
      vpdq: z.object({ value: HashValueSchema, frames: z.array(VideoFrameSchema) }).openapi({
        description:
          'vPDQ: PDQ of the frames sampled once a second (by default), vPDQ-compatible. value = SHA-256 of the frame list written as vPDQ writes it (frame,quality,hash,timestamp lines).',
      }),
      md5: z.object({ value: z.string() }),
      sha256: z.object({ value: z.string() }),
    }),
    media: z.object({ width: z.number().int(), height: z.number().int(), format: z.string().openapi({ example: 'mp4' }), durationSeconds: z.number() }),
  })
  .openapi('VideoHashes');

const TlshHashSchema = z.object({ value: z.string() }).openapi({
  description:
    'TLSH of the text after normalisation (Unicode NFKC, lower case, runs of white space as one space); absent when there is too little text (TLSH needs 50 bytes of varied text).',
});
const NotesSchema = z
  .array(z.string())
  .optional()
  .openapi({ description: "What could not be hashed and why (no text, encrypted, text cut), in the node's words." });

export const PdfHashesSchema = z
  .object({
    kind: z.literal('pdf'),
    hashes: z.object({
      pdf: z
        .object({ value: HashValueSchema, pages: z.array(PdfPageSchema) })
        .optional()
        .openapi({
          description: `PDQ of each page rendered at ${PDF_RENDER_DPI} dpi; value = SHA-256 of the page list written as page,quality,hash lines. Absent when the PDF needs a password.`,
        }),
      tlsh: TlshHashSchema.optional(),
      md5: z.object({ value: z.string() }),
      sha256: z.object({ value: z.string() }),
    }),
    media: z.object({
      format: z.literal('pdf'),
      pages: z.number().int(),
      resolutionDpi: z.number().int(),
      encrypted: z.union([z.literal(false), z.enum(['owner-password', 'password-required'])]).openapi({
        description:
          'owner-password: encrypted against editing only, rendered as usual; password-required: it cannot be opened, only md5 and sha256 were taken.',
      }),
      textCharacters: z.number().int(),
      textTruncated: z.boolean().optional(),
    }),
    notes: NotesSchema,
  })
  .openapi('PdfHashes');

export const TextHashesSchema = z
  .object({
    kind: z.literal('text'),
    hashes: z.object({
      tlsh: TlshHashSchema.optional(),
      md5: z.object({ value: z.string() }).openapi({ description: 'Of the bytes as sent.' }),
      sha256: z.object({ value: z.string() }),
    }),
    media: z.object({
      format: z.literal('text'),
      encoding: z.string().openapi({ example: 'utf-8' }),
      characters: z.number().int().openapi({ description: 'After normalisation.' }),
    }),
    notes: NotesSchema,
  })
  .openapi('TextHashes');

/** What hashing media answers: an image's, a video's, a PDF's or a text's hashes (told apart by `kind`), with `extra` members. */
export const mediaHashesSchema = <T extends z.ZodRawShape>(extra: T) =>
  z.discriminatedUnion('kind', [
    ImageHashesSchema.extend(extra),
    VideoHashesSchema.extend(extra),
    PdfHashesSchema.extend(extra),
    TextHashesSchema.extend(extra),
  ]);
export const MediaHashesSchema = mediaHashesSchema({});

/** A hash's place in an item: the item's id and the variant of the media the hash was computed from. */
export const ItemRefSchema = z
  .object({
    id: z.string(),
    variant: z
      .string()
      .openapi({ description: '`whole`: the media as shared; other names (trimmed, cropped, ...) the edit of it the hash was computed from.' }),
  })
  .openapi('ItemRef');

const MatchSchema = z
  .object({
    id: z.string().openapi({ description: 'The stored hash.' }),
    type: HashTypeSchema,
    value: HashValueSchema,
    distance: z.number().int().openapi({
      description: 'Distance to the query: Hamming distance (a video or PDF: of its nearest frame or page), TLSH distance for tlsh, 0 for exact hashes.',
    }),
    labels: z.array(LabelIdSchema),
    contributors: z.number().int().openapi({ description: 'How many member platforms shared this hash (for a pulled hash: at its origin node).' }),
    origin: z.string().optional().openapi({
      description:
        'A hash pulled from a peer node: the URL of the node it was shared at (its labels and contributors are those there). Absent for hashes shared on this node.',
    }),
    feedback: z.object({ confirm: z.number().int(), dispute: z.number().int() }),
    variant: z
      .string()
      .optional()
      .openapi({
        enum: [
          ...PDQ_DIHEDRAL_VARIANTS,
          'trim',
          'retrim',
          'screen',
          'deskew',
          'centre',
          'scaled',
          ...ROBUST_DEFAULTS.tilts.map(tiltVariant),
          ...ROBUST_DEFAULTS.search.map((c) => c.name),
        ],
        description:
          "With dihedral or robust matching: the variant of the query that matched, the nearest when several did: a rotation or mirror (original is the query as sent), or a region (trim: inside borders or bars; retrim: its trim trimmed again, a picture's own bands (a sky, a ground) inside an added border; screen: inside a phone screenshot's bars; deskew: a small rotation undone; tilt+1.25, tilt-3.75, …: a turn of that many degrees undone, tried where the corners share one colour but no turn could be read; centre: its centre, a watermark's corner and caption left outside; scaled: the whole image hashed as the stored regions and crops are, resampled to a fixed size; recrop-c3, recrop-h5, recrop-l4, …: the query cut a little more, 3 % of each side, 5 % of left and right, 4 % of the left alone, …, to meet the crop a share stored of the nearest larger cut).",
      }),
    weak: z
      .boolean()
      .optional()
      .openapi({ description: 'Robust matching: the distance is near its threshold and no other hash of the upload matched: one weak signal.' }),
    variantValue: z.string().optional().openapi({
      description:
        "With dihedral matching: the query's hash under that rotation or mirror, the value that was compared. Only the variant that matched is listed.",
    }),
    video: z.object({ queryMatchPercent: z.number(), candidateMatchPercent: z.number() }).optional().openapi({
      description:
        "A video matched a stored video (vPDQ): the share of the query's usable frames within the frame distance of the stored video's, and the other way round.",
    }),
    frame: z.object({ index: z.number().int(), timestamp: z.number() }).optional().openapi({
      description:
        'An image matched one frame of a video: that frame (of the stored video when the query is an image, of the query video when the stored hash is an image).',
    }),
    document: z.object({ queryMatchPercent: z.number(), candidateMatchPercent: z.number() }).optional().openapi({
      description:
        "A PDF matched a stored PDF by its pages: the share of the query's usable pages within the page distance of the stored PDF's, and the other way round.",
    }),
    page: z.object({ number: z.number().int() }).optional().openapi({
      description:
        'An image matched one page of a PDF: that page (of the stored PDF when the query is an image, of the query PDF when the stored hash is an image).',
    }),
    url: z
      .object({ scope: z.enum(['exact', 'host', 'prefix']) })
      .optional()
      .openapi({ description: 'A URL query matched: the URL itself (exact), or a whole host or folder a member shared (host, prefix).' }),
    item: ItemRefSchema.optional().openapi({
      description:
        'The item (a shared piece of media, GET /v1/items/{id}) the matched hash belongs to, with the variant of the media it was computed from; the first shared when several. Absent for a hash shared alone.',
    }),
    items: z.array(ItemRefSchema).optional().openapi({ description: 'Every item the matched hash belongs to, when more than one.' }),
  })
  .openapi('Match');

export const MatchResultSchema = z
  .object({
    query: z.object({
      type: HashTypeSchema,
      value: HashValueSchema,
      quality: z.number().int().optional(),
      frames: z
        .number()
        .int()
        .optional()
        .openapi({ description: `vpdq: frames in the query, and usableFrames those of quality >= ${THRESHOLDS.vpdq.frameMinQuality} with distinct hashes.` }),
      usableFrames: z.number().int().optional(),
      pages: z
        .number()
        .int()
        .optional()
        .openapi({ description: `pdf: pages in the query, and usablePages those of quality >= ${THRESHOLDS.pdf.pageMinQuality} with distinct hashes.` }),
      usablePages: z.number().int().optional(),
      canonicalUrl: z.string().optional().openapi({ description: 'url: the URL as the node canonicalised it (never stored).' }),
    }),
    matched: z.boolean().openapi({ description: 'Whether any shared hash matched (`matches` is not empty).' }),
    lowQuality: z
      .boolean()
      .optional()
      .openapi({
        description: `The query PDQ hash has quality below ${THRESHOLDS.pdq.minQuality} (a video: no frame of quality ${THRESHOLDS.vpdq.frameMinQuality} or more; a PDF: no page of quality ${THRESHOLDS.pdf.pageMinQuality} or more): weak evidence.`,
      }),
    matches: z.array(MatchSchema).openapi({ description: 'Nearest first.' }),
  })
  .openapi('MatchResult');

/**
 * Media bodies: raw image, video, PDF or text bytes, or a multipart form with a `file` field. Plain OpenAPI schemas, not
 * zod: the handler reads the body itself (src/http/media.ts), so no validator parses it first.
 */
export const mediaBodyContent = {
  'application/pdf': {
    schema: {
      type: 'string' as const,
      format: 'binary',
      description: 'A PDF (told from its bytes): md5 and sha256 of the file, PDQ of each page, TLSH of its text. Needs poppler on the node.',
    },
  },
  'text/plain': {
    schema: {
      type: 'string' as const,
      format: 'binary',
      description: 'Text: TLSH of its normalised form, md5 and sha256 of the bytes. UTF-8 unless a byte-order mark or `charset` says otherwise.',
    },
  },
  'image/*': {
    schema: {
      type: 'string' as const,
      format: 'binary',
      description:
        'The image bytes (JPEG, PNG, WebP, GIF, AVIF, TIFF). An animated GIF or WebP is hashed by its first frame only (a multi-page TIFF by its first page); the other frames are not hashed, and the answer does not say so. The Workers deployment refuses animated WebP.',
    },
  },
  'video/*': {
    schema: {
      type: 'string' as const,
      format: 'binary',
      description: 'The video bytes (MP4, MOV, WebM, MKV, AVI, FLV, MPEG-TS, ...); needs ffmpeg on the node.',
    },
  },
  'multipart/form-data': {
    schema: {
      type: 'object' as const,
      properties: { file: { type: 'string' as const, format: 'binary', description: 'The image, video, PDF or text (a text part declared text/plain).' } },
      required: ['file'],
    },
  },
};

const PROBLEM_DESCRIPTIONS = {
  400: 'Malformed input; `errors` names each field.',
  401: 'No or bad credentials (see WWW-Authenticate).',
  403: 'Missing scope or suspended client.',
  404: 'Not found.',
  408: 'The body stopped arriving (no bytes for BODY_IDLE_TIMEOUT_MS) or took longer than BODY_TIMEOUT_MS; the connection is closed.',
  409: 'Conflict with the current state.',
  413: 'Body larger than the node accepts for this operation (`maxBytes`).',
  415: 'A Content-Type this operation does not take.',
  422: 'Well-formed but unusable: undecodable, too small, too large, low quality.',
  429: 'Rate limited (see Retry-After).',
  501: 'Not available on this deployment.',
  503: 'Busy: the decodes this node runs at once, and their queue, are full (see Retry-After).',
} as const;

export type ProblemStatus = keyof typeof PROBLEM_DESCRIPTIONS;

/** A problem+json body, for a route's own error responses (beside those problemResponses describes). */
export const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

const problemResponse = (status: ProblemStatus) => ({ description: PROBLEM_DESCRIPTIONS[status], content: problemContent });

/** The OpenAPI responses of the given error statuses, each a problem+json document. */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]): { [K in S]?: ReturnType<typeof problemResponse> } {
  const out: { [K in S]?: ReturnType<typeof problemResponse> } = {};
  for (const s of statuses) out[s] = problemResponse(s);
  return out;
}

/** `{id}` of a stored hash in a path. */
export const HashIdParams = z.object({
  id: z
    .string()
    .max(100, 'a hash id is at most 100 characters')
    // The node's ids are lowercase UUIDs, and UUIDs compare without regard to case (RFC 9562 §4).
    .transform((id) => (/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(id) ? id.toLowerCase() : id))
    .openapi({ description: 'The id the node gave the hash (share results, matches, the feed).' }),
});
