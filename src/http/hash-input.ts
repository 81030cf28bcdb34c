/**
 * The hashes a client sends (POST /v1/match, POST /v1/hashes), as schemas that both document and
 * enforce the API: a union on `type`, each type with its own hex length, vPDQ frames checked and their
 * digest computed or checked, labels from the vocabulary, batch and frame limits from the node's
 * configuration. Handlers and services receive the parsed values: lowercase hex, typed hash types,
 * a vpdq item's value always its frames' digest.
 */
import { z } from '@hono/zod-openapi';
import { HASH_SPECS, HASH_TYPES, LABELS, SINGLE_HASH_TYPES, type SingleHashType } from '../core/hashes';
import { MAX_FRAME_INDEX, MAX_FRAME_TIMESTAMP, vpdqDigest, type VideoFrameHash } from '../core/video';
import { hexOf, plainText, wholeNumber } from './input';
import { BATCH_TOO_LARGE } from './validation';

/** The limits the request schemas hold, from the node's configuration. */
export interface InputLimits {
  /** Most hashes (match) or items (share) in one request: MAX_BATCH. */
  maxBatch: number;
  /** Most frames in one vpdq item, and in all the items of a match request: VIDEO_MAX_FRAMES. */
  maxFrames: number;
}

const hashValue = (type: SingleHashType | 'vpdq') => hexOf(HASH_SPECS[type].bits / 4, `${type} value`, HASH_SPECS[type].bits);

const QUALITY = wholeNumber(0, 100, 'quality').openapi({ description: 'PDQ quality (0-100), if known: results for quality below 50 are flagged `lowQuality`, and such hashes are not shared (422).' });

export const VideoFrameSchema = z
  .object({
    index: wholeNumber(0, MAX_FRAME_INDEX, 'a frame index').openapi({ description: 'Frame number in the stream, from 0; increasing from frame to frame.' }),
    timestamp: z
      .number({ error: (iss) => (iss.input === undefined ? undefined : `a frame timestamp must be seconds from 0 to ${MAX_FRAME_TIMESTAMP}`) })
      .min(0, `a frame timestamp must be seconds from 0 to ${MAX_FRAME_TIMESTAMP}`)
      .max(MAX_FRAME_TIMESTAMP, `a frame timestamp must be seconds from 0 to ${MAX_FRAME_TIMESTAMP}`)
      .openapi({ description: 'Seconds from the start, to the millisecond; never decreasing from frame to frame.' }),
    hash: hexOf(64, 'a frame hash (PDQ)').openapi({ description: 'PDQ of the frame, 64 hex digits.' }),
    quality: wholeNumber(0, 100, 'a frame quality').openapi({ description: 'PDQ quality; frames below 50 take no part in matching.' }),
  })
  .openapi('VideoFrame');

/** A frame list: 1 to maxFrames frames, frame numbers increasing, timestamps never decreasing; timestamps kept to the millisecond. */
const frameList = (maxFrames: number) =>
  z
    .array(VideoFrameSchema)
    .min(1, 'a vpdq hash needs a non-empty array of frames')
    .max(maxFrames, { error: (iss) => `${Array.isArray(iss.input) ? iss.input.length : 'too many'} frames; at most ${maxFrames} are accepted in one vpdq hash` })
    .superRefine((frames, ctx) => {
      frames.forEach((f, i) => {
        const prev = frames[i - 1];
        if (!prev) return;
        if (f.index <= prev.index) ctx.addIssue({ code: 'custom', path: [i, 'index'], message: `frame numbers must increase (frame ${i} is ${f.index}, after ${prev.index})` });
        if (f.timestamp < prev.timestamp) ctx.addIssue({ code: 'custom', path: [i, 'timestamp'], message: `timestamps must not decrease (frame ${i} is at ${f.timestamp} s, after ${prev.timestamp} s)` });
      });
    })
    .transform((frames): VideoFrameHash[] => frames.map((f) => ({ ...f, timestamp: Math.round(f.timestamp * 1000) / 1000 })));

const VALUE_DESCRIPTION: Record<SingleHashType, string> = {
  pdq: 'PDQ, 64 hex digits (256 bits).',
  blockhash: 'blockhash (16x16, method 2), 64 hex digits (256 bits).',
  md5: 'MD5 of the file, 32 hex digits.',
  sha256: 'SHA-256 of the file, 64 hex digits.',
};

/** The members every hash item has: type and value (`extra` adds the route's own, e.g. labels). */
function singleHash<T extends SingleHashType, E extends z.ZodRawShape>(type: T, extra: E) {
  return z.object({ type: z.literal(type), value: hashValue(type).openapi({ description: VALUE_DESCRIPTION[type] }), ...extra });
}

/** A vpdq item's own members: frames, and a value that is their digest (computed when left out: `digested`). */
const vpdqFields = (maxFrames: number) => ({
  type: z.literal('vpdq'),
  value: hashValue('vpdq').optional().openapi({ description: 'The SHA-256 of the frame list written as vPDQ writes it (frame,quality,hash,timestamp lines); leave it out to have it computed.' }),
  frames: frameList(maxFrames).openapi({ description: 'The frames of the video (npm run client -- hash VIDEO prints them).' }),
});

/** A vpdq item with its value: the frames' digest, which a value sent must equal. */
function digested<T extends { value?: string; frames: VideoFrameHash[] }>(it: T, ctx: z.RefinementCtx) {
  const digest = vpdqDigest(it.frames);
  if (it.value !== undefined && it.value !== digest) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `a vpdq value is the SHA-256 of its frame list (${digest} for these frames); leave it out to have it computed` });
  }
  return { ...it, value: digest };
}

/** The node's words for a `type` that names no hash type (the union's own issue). */
const unknownType = (iss: { code: string; input?: unknown }) => {
  if (iss.code !== 'invalid_union') return undefined;
  const type = typeof iss.input === 'object' && iss.input !== null && 'type' in iss.input ? iss.input.type : undefined;
  const expected = `expected one of ${HASH_TYPES.join(', ')}`;
  return type === undefined ? `a hash needs a type: ${expected}` : `unknown hash type ${JSON.stringify(type)}; ${expected}`;
};

/** A hash to match: one of each type, told apart by `type`. */
const matchItem = (limits: InputLimits) =>
  z.discriminatedUnion(
    'type',
    [
      singleHash('pdq', { quality: QUALITY.optional() }),
      singleHash('blockhash', {}),
      singleHash('md5', {}),
      singleHash('sha256', {}),
      z.object(vpdqFields(limits.maxFrames)).transform(digested),
    ],
    { error: unknownType },
  );

/** A hash to share: as a match item, with its labels and the member's own reference. */
const shareItem = (limits: InputLimits) => {
  const extra = { labels: LabelsSchema.openapi({ description: 'At least one label from GET /v1/labels.' }), externalId: ExternalIdSchema.optional() };
  return z.discriminatedUnion(
    'type',
    [
      singleHash('pdq', { ...extra, quality: QUALITY.optional().openapi({ description: 'PDQ quality if you computed it; below 50 the hash is refused (422).' }) }),
      singleHash('blockhash', extra),
      singleHash('md5', extra),
      singleHash('sha256', extra),
      z.object({ ...vpdqFields(limits.maxFrames), ...extra }).transform(digested),
    ],
    { error: unknownType },
  );
};

/** The items of one request hold at most `max` frames in all (matching cost grows with them). */
const framesInAll = (max: number) => (items: { type: string; frames?: unknown[] }[], ctx: z.RefinementCtx) => {
  const total = items.reduce((n, it) => n + (it.type === 'vpdq' && it.frames ? it.frames.length : 0), 0);
  if (total > max) ctx.addIssue({ code: 'custom', path: [], params: BATCH_TOO_LARGE, message: `the vpdq items of this request hold ${total} frames; at most ${max} are taken in one request (split it)` });
};

const batch = <T extends z.ZodType>(item: T, max: number, what: string) =>
  z
    .array(item)
    .min(1, `${what} must hold at least one item`)
    .max(max, { error: (iss) => `${what} holds ${Array.isArray(iss.input) ? iss.input.length : 'more than ' + max} items; at most ${max} are accepted in one request` });

export const LabelIdSchema = z
  .enum(LABELS.map((l) => l.id), { error: (iss) => (iss.input === undefined ? undefined : `unknown label ${JSON.stringify(iss.input)}; see GET /v1/labels`) })
  .openapi({ example: 'attack-footage' });

/** 1 or more labels from the vocabulary. */
export const LabelsSchema = z.array(LabelIdSchema).min(1, 'give at least one label (GET /v1/labels lists them)');

export const ExternalIdSchema = plainText(200, 'externalId').openapi({ description: 'Your own reference for this item (e.g. a case id).' });

/** Per type, the largest maximum distance a query may ask for (0 for exact hashes). */
const maxDistance = (t: (typeof HASH_TYPES)[number]) => wholeNumber(0, HASH_SPECS[t].maxDistanceCap, `${t} maxDistance`).optional();
const MaxDistanceSchema = z
  .strictObject({ pdq: maxDistance('pdq'), blockhash: maxDistance('blockhash'), md5: maxDistance('md5'), sha256: maxDistance('sha256'), vpdq: maxDistance('vpdq') } satisfies Record<(typeof HASH_TYPES)[number], unknown>)
  .openapi({
    description: `Per-type maximum Hamming distance, overriding the defaults (${SINGLE_HASH_TYPES.filter((t) => HASH_SPECS[t].perceptual).map((t) => `${t} ${HASH_SPECS[t].defaultMaxDistance}`).join(', ')}, vpdq frames ${HASH_SPECS.vpdq.defaultMaxDistance}) up to a cap of 64; exact hashes only 0.`,
    example: { pdq: 24 },
  });

export const matchRequestSchema = (limits: InputLimits) =>
  z
    .object({
      hashes: batch(matchItem(limits), limits.maxBatch, 'hashes')
        .superRefine(framesInAll(limits.maxFrames))
        .openapi({ description: `1 to ${limits.maxBatch} hashes; the vpdq items hold at most ${limits.maxFrames} frames in all.` }),
      maxDistance: MaxDistanceSchema.optional(),
      dihedral: z
        .boolean()
        .optional()
        .openapi({ description: 'Also match the 8 rotations and mirrors. From a PDQ hash alone the variants are derived from its bits (approximate, a few bits off); send the image to /v1/match/media for exact variants of PDQ and blockhash.' }),
    })
    .openapi('MatchRequest');

export const shareRequestSchema = (limits: InputLimits) =>
  z
    .object({
      items: batch(shareItem(limits), limits.maxBatch, 'items')
        .superRefine(framesInAll(10 * limits.maxFrames))
        .openapi({ description: `1 to ${limits.maxBatch} items; the vpdq items hold at most ${10 * limits.maxFrames} frames in all.` }),
    })
    .openapi('ShareRequest');

export type MatchRequest = z.output<ReturnType<typeof matchRequestSchema>>;
export type ShareRequest = z.output<ReturnType<typeof shareRequestSchema>>;
