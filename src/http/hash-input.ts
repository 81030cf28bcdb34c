/**
 * The hashes a client sends (POST /v1/match, POST /v1/hashes), as schemas that both document and
 * enforce the API: a union on `type`, each type with its own hex length (tlsh: its printed form),
 * vPDQ frames and PDF pages checked and their digest computed or checked, URLs canonicalised and
 * turned into the keys they are stored or looked up by, labels from the vocabulary, batch, frame and
 * page limits from the node's configuration. Handlers and services receive the parsed values:
 * lowercase hex (tlsh: T1 and upper case), typed hash types, a vpdq or pdf item's value always its
 * list's digest, a url item's value always a digest.
 *
 * Over 300 lines on purpose: every hash type's rules side by side, the one place that says what a
 * client may send, read as a whole against /openapi.json.
 */
import { z } from '@hono/zod-openapi';
import { MAX_PDF_PAGE, PDF_RENDER_DPI, pdfDigest, type PdfPageHash } from '../core/document';
import { HASH_SPECS, HASH_TYPES, LABELS, SINGLE_HASH_TYPES, THRESHOLDS, type HashType, type SingleHashType } from '../core/hashes';
import { ITEM_KINDS, WHOLE } from '../core/items';
import { TURNED_VARIANTS } from '../core/pdq';
import { ROBUST_RULES, STORED_REGIONS, STORED_VARIANTS } from '../core/robust';
import { canonicalTlsh } from '../core/tlsh';
import { hashUrl, hostKey, pathPrefixKey, prefixDigest, prefixDigests, URL_MAX_FOLDERS, URL_MAX_LENGTH } from '../core/url';
import { MAX_FRAME_INDEX, MAX_FRAME_TIMESTAMP, vpdqDigest, type VideoFrameHash } from '../core/video';
import type { ServiceDeps } from '../services/deps';
import type { UrlQuery, UrlScope } from '../services/hashing';
import { hexOf, plainText, wholeNumber } from './input';
import { BATCH_TOO_LARGE } from './validation';
import { shown } from '../core/text';

/** The limits the request schemas hold, from the node's configuration. */
export interface InputLimits {
  /** Most hashes (match) or items (share) in one request: MAX_BATCH. */
  maxBatch: number;
  /** Most frames in one vpdq item, and in all the items of a match request: VIDEO_MAX_FRAMES. */
  maxFrames: number;
  /** Most pages in one pdf item, and in all the items of a match request: PDF_MAX_PAGES. */
  maxPages: number;
}

/** The request schemas' limits from the node's deps. */
export const inputLimits = (deps: Pick<ServiceDeps, 'limits' | 'video' | 'documents'>): InputLimits => ({
  maxBatch: deps.limits.maxBatch,
  maxFrames: deps.video.decode.maxFrames,
  maxPages: deps.documents.limits.maxPages,
});

/** The types whose values are hex of a fixed length (all but tlsh). */
type HexHashType = Exclude<HashType, 'tlsh'>;

const hashValue = (type: HexHashType) => hexOf(HASH_SPECS[type].bits / 4, `${type} value`, HASH_SPECS[type].bits);

/** A TLSH digest in any form the reference parses (`T1` optional, either case); parsed to the node's form, `T1` and upper case. */
const TLSH_FORM = /^([Tt]1)?[0-9A-Fa-f]{70}$/;
const tlshValue = () =>
  z
    .string()
    .regex(TLSH_FORM, {
      error: (iss) => {
        if (typeof iss.input !== 'string') return undefined;
        const digits = iss.input.replace(/^[Tt]1/, '');
        return /[^0-9A-Fa-f]/.test(digits)
          ? 'tlsh value must be a TLSH digest: T1 and 70 hex digits (0-9, A-F); it holds a character that is not hex'
          : `tlsh value must be a TLSH digest: T1 and 70 hex digits (the standard 128-bucket build), got ${digits.length} hex digits`;
      },
    })
    .transform((v) => canonicalTlsh(v) ?? v);

/** A single hash's value, in the form its type takes. */
const valueSchemaOf = (type: Exclude<SingleHashType, 'url'>) => (type === 'tlsh' ? tlshValue() : hashValue(type));

const QUALITY = wholeNumber(0, 100, 'quality').openapi({
  description: `PDQ quality (0-100), if known: results for quality below ${THRESHOLDS.pdq.minQuality} are flagged \`lowQuality\`, and such hashes are not shared (422).`,
});

export const VideoFrameSchema = z
  .object({
    index: wholeNumber(0, MAX_FRAME_INDEX, 'a frame index').openapi({ description: 'Frame number in the stream, from 0; increasing from frame to frame.' }),
    timestamp: z
      .number({ error: (iss) => (iss.input === undefined ? undefined : `a frame timestamp must be seconds from 0 to ${MAX_FRAME_TIMESTAMP}`) })
      .min(0, `a frame timestamp must be seconds from 0 to ${MAX_FRAME_TIMESTAMP}`)
      .max(MAX_FRAME_TIMESTAMP, `a frame timestamp must be seconds from 0 to ${MAX_FRAME_TIMESTAMP}`)
      .openapi({ description: 'Seconds from the start, to the millisecond; never decreasing from frame to frame.' }),
    hash: hexOf(64, 'a frame hash (PDQ)').openapi({ description: 'PDQ of the frame, 64 hex digits.' }),
    quality: wholeNumber(0, 100, 'a frame quality').openapi({
      description: `PDQ quality; frames below ${THRESHOLDS.vpdq.frameMinQuality} take no part in matching.`,
    }),
  })
  .openapi('VideoFrame');

/** A frame list: 1 to maxFrames frames, frame numbers increasing, timestamps never decreasing; timestamps kept to the millisecond. */
const frameList = (maxFrames: number) =>
  z
    .array(VideoFrameSchema)
    .min(1, 'a vpdq hash needs a non-empty array of frames')
    .max(maxFrames, {
      error: (iss) => `${Array.isArray(iss.input) ? iss.input.length : 'too many'} frames; at most ${maxFrames} are accepted in one vpdq hash`,
    })
    .superRefine((frames, ctx) => {
      frames.forEach((f, i) => {
        const prev = frames[i - 1];
        if (!prev) return;
        if (f.index <= prev.index)
          ctx.addIssue({ code: 'custom', path: [i, 'index'], message: `frame numbers must increase (frame ${i} is ${f.index}, after ${prev.index})` });
        if (f.timestamp < prev.timestamp)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'timestamp'],
            message: `timestamps must not decrease (frame ${i} is at ${f.timestamp} s, after ${prev.timestamp} s)`,
          });
      });
    })
    .transform((frames): VideoFrameHash[] => frames.map((f) => ({ ...f, timestamp: Math.round(f.timestamp * 1000) / 1000 })));

export const PdfPageSchema = z
  .object({
    page: wholeNumber(1, MAX_PDF_PAGE, 'a page number').openapi({ description: 'Page number, from 1; increasing from page to page.' }),
    hash: hexOf(64, 'a page hash (PDQ)').openapi({ description: `PDQ of the page rendered at ${PDF_RENDER_DPI} dpi, 64 hex digits.` }),
    quality: wholeNumber(0, 100, 'a page quality').openapi({
      description: `PDQ quality; pages below ${THRESHOLDS.pdf.pageMinQuality} (blank or nearly) take no part in matching.`,
    }),
  })
  .openapi('PdfPage');

/** A page list: 1 to maxPages pages, page numbers increasing. */
const pageList = (maxPages: number) =>
  z
    .array(PdfPageSchema)
    .min(1, 'a pdf hash needs a non-empty array of pages')
    .max(maxPages, { error: (iss) => `${Array.isArray(iss.input) ? iss.input.length : 'too many'} pages; at most ${maxPages} are accepted in one pdf hash` })
    .superRefine((pages, ctx) => {
      pages.forEach((p, i) => {
        const prev = pages[i - 1];
        if (prev && p.page <= prev.page)
          ctx.addIssue({ code: 'custom', path: [i, 'page'], message: `page numbers must increase (page ${i} is ${p.page}, after ${prev.page})` });
      });
    });

const VALUE_DESCRIPTION: Record<Exclude<SingleHashType, 'url'>, string> = {
  pdq: 'PDQ, 64 hex digits (256 bits).',
  blockhash: 'blockhash (16x16, method 2), 64 hex digits (256 bits).',
  md5: 'MD5 of the file, 32 hex digits.',
  sha256: 'SHA-256 of the file, 64 hex digits.',
  tlsh: 'TLSH of a text after normalisation (npm run client -- hash FILE.txt --json prints it): T1 and 70 hex digits, as the reference prints it (T1 may be left out, either case); compared by TLSH distance.',
};

/** The members every hash item has: type and value (`extra` adds the route's own, e.g. labels). */
function singleHash<T extends Exclude<SingleHashType, 'url'>, E extends z.ZodRawShape>(type: T, extra: E) {
  return z.object({ type: z.literal(type), value: valueSchemaOf(type).openapi({ description: VALUE_DESCRIPTION[type] }), ...extra });
}

/** A vpdq item's own members: frames, and a value that is their digest (computed when left out: `digested`). */
const vpdqFields = (maxFrames: number) => ({
  type: z.literal('vpdq'),
  value: hashValue('vpdq').optional().openapi({
    description: 'The SHA-256 of the frame list written as vPDQ writes it (frame,quality,hash,timestamp lines); leave it out to have it computed.',
  }),
  frames: frameList(maxFrames).openapi({ description: 'The frames of the video (npm run client -- hash VIDEO --json prints them).' }),
});

/** A vpdq item with its value: the frames' digest, which a value sent must equal. */
function digested<T extends { value?: string; frames: VideoFrameHash[] }>(it: T, ctx: z.RefinementCtx) {
  const digest = vpdqDigest(it.frames);
  if (it.value !== undefined && it.value !== digest) {
    ctx.addIssue({
      code: 'custom',
      path: ['value'],
      message: `a vpdq value is the SHA-256 of its frame list (${digest} for these frames); leave it out to have it computed`,
    });
  }
  return { ...it, value: digest };
}

/** A pdf item's own members: pages, and a value that is their digest (computed when left out: `paged`). */
const pdfFields = (maxPages: number) => ({
  type: z.literal('pdf'),
  value: hashValue('pdf')
    .optional()
    .openapi({ description: 'The SHA-256 of the page list written as page,quality,hash lines; leave it out to have it computed.' }),
  pages: pageList(maxPages).openapi({ description: 'The pages of the PDF (npm run client -- hash FILE.pdf --json prints them).' }),
});

/** A pdf item with its value: the pages' digest, which a value sent must equal. */
function paged<T extends { value?: string; pages: PdfPageHash[] }>(it: T, ctx: z.RefinementCtx) {
  const digest = pdfDigest(it.pages);
  if (it.value !== undefined && it.value !== digest) {
    ctx.addIssue({
      code: 'custom',
      path: ['value'],
      message: `a pdf value is the SHA-256 of its page list (${digest} for these pages); leave it out to have it computed`,
    });
  }
  return { ...it, value: digest };
}

const URL_SCOPES = ['exact', 'host', 'prefix'] as const satisfies readonly UrlScope[];

/** A url item's own members: the URL itself, or the digest of its canonical form (or of a host or folder key). */
const urlFields = {
  type: z.literal('url'),
  value: hashValue('url')
    .optional()
    .openapi({ description: 'The SHA-256 of the canonical URL, or of a host or folder key; or leave it out and send the URL itself as `url`.' }),
  url: z
    .string()
    .max(URL_MAX_LENGTH, `a URL must be at most ${URL_MAX_LENGTH} characters`)
    .optional()
    .openapi({
      description: `The URL itself, instead of value: the node canonicalises it (scheme and host lower-cased, default port, IDN, fragment and tracking parameters dropped, escapes normalised) and keeps only its SHA-256. At most ${URL_MAX_LENGTH} characters, as sent and once percent-encoded, and at most ${URL_MAX_FOLDERS} folders (slashes in its path); longer or deeper is 400.`,
      example: 'https://example.org/channel/abc?utm_source=x',
    }),
};

/** The url or the value, not both and not neither; a URL that cannot be canonicalised says why. */
function urlOrValue(it: { value?: string; url?: string }, ctx: z.RefinementCtx): { url: string } | { value: string } | null {
  if (it.url !== undefined && it.value !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'give a url or its value (the SHA-256 of its canonical form), not both' });
    return null;
  }
  if (it.url !== undefined) return { url: it.url };
  if (it.value !== undefined) return { value: it.value };
  ctx.addIssue({ code: 'custom', path: ['url'], message: 'a url item needs the URL itself (url) or the SHA-256 of its canonical form (value)' });
  return null;
}

/** A url item to match: sent as a URL, it is looked up as itself, its host and each folder above it (core/url `prefixDigests`). */
function urlToMatch<T extends { value?: string; url?: string }>(it: T, ctx: z.RefinementCtx) {
  const { url: _sent, ...rest } = it;
  const given = urlOrValue(it, ctx);
  if (!given) return z.NEVER;
  if ('value' in given) return { ...rest, value: given.value };
  const keys = prefixDigests(given.url);
  if ('problem' in keys) return urlProblem(ctx, `the URL cannot be used: ${keys.problem}`);
  const exact = keys.candidates[keys.candidates.length - 1]; // the URL itself, last
  const url: UrlQuery = { canonical: exact.key, scope: 'exact', candidates: keys.candidates };
  return { ...rest, value: exact.digest, url };
}

/** A url item to share: the URL's digest, or (scope host or prefix) the digest of its host's or folder's key. */
function urlToShare<T extends { value?: string; url?: string; scope?: UrlScope }>(it: T, ctx: z.RefinementCtx) {
  const { url: _sent, scope: _scope, ...rest } = it;
  const scope = it.scope ?? 'exact';
  const given = urlOrValue(it, ctx);
  if (!given) return z.NEVER;
  if ('value' in given) {
    if (scope === 'exact') return { ...rest, value: given.value };
    ctx.addIssue({ code: 'custom', path: ['scope'], message: 'host or prefix matching needs the url itself; a value is stored as it is' });
    return z.NEVER;
  }
  const exact = hashUrl(given.url);
  if ('problem' in exact) return urlProblem(ctx, `the URL cannot be used: ${exact.problem}`);
  if (scope === 'exact') return { ...rest, value: exact.digest, url: { canonical: exact.url, scope } satisfies UrlQuery };
  const key = scope === 'host' ? hostKey(given.url) : pathPrefixKey(given.url);
  if ('problem' in key) return urlProblem(ctx, key.problem);
  return { ...rest, value: prefixDigest(key.url), url: { canonical: key.url, scope } satisfies UrlQuery };
}

function urlProblem(ctx: z.RefinementCtx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', path: ['url'], message });
  return z.NEVER;
}

/** The dihedral row of the rule table in words: within how many bits a turned hash matches each kind of stored hash. */
const dihedralRow = (type: 'pdq' | 'blockhash') => {
  const row = ROBUST_RULES.alone[type].dihedral;
  const at = (n: number, what: string) => (n < 0 ? `never a stored ${what}` : `${n} bits to a stored ${what}`);
  return [at(row.whole, 'whole image'), at(row.region, 'region'), at(row.crop, 'crop')].join(', ');
};

/**
 * An image's rotations and mirrors with its pdq or blockhash (a match item only): hashed by the
 * client from the pixels, so exact where the node can derive only PDQ's from the hash, and those
 * a few bits off. Each turned variant at most once; each value a hash of the item's type.
 */
const turnedVariants = (type: 'pdq' | 'blockhash') =>
  z
    .array(
      z.object({
        variant: z.enum(TURNED_VARIANTS, {
          error: (iss) =>
            iss.input === undefined
              ? undefined
              : `a variant is one of ${TURNED_VARIANTS.join(', ')} (the image as sent is the item's own value), got ${shown(iss.input)}`,
        }),
        value: hexOf(HASH_SPECS[type].bits / 4, `a ${type} variant's value`, HASH_SPECS[type].bits).openapi({
          description: `The ${type} of the image under that rotation or mirror.`,
        }),
      }),
    )
    .max(TURNED_VARIANTS.length, `at most ${TURNED_VARIANTS.length} variants: the image's rotations and mirrors, each once`)
    .superRefine((variants, ctx) => {
      const first = new Map<string, number>();
      variants.forEach((v, k) => {
        const at = first.get(v.variant);
        if (at === undefined) first.set(v.variant, k);
        else
          ctx.addIssue({
            code: 'custom',
            path: [k, 'variant'],
            message: `${v.variant} is given twice (variants ${at} and ${k}); each rotation or mirror at most once`,
          });
      });
    })
    .optional()
    .openapi({
      description: `The ${type} of the image's rotations and mirrors, computed from its pixels (npm run client -- hash FILE --dihedral --json prints them; send all 7 but original). Each is matched at the node's distance for rotations and mirrors (the robust rule table's dihedral row: ${dihedralRow(type)}), no farther than maxDistance.${type} when given; with them, dihedral: true derives nothing for this item.`,
    });

/**
 * Rotations and mirrors are of images: an item of another type that sends some is told so, rather
 * than have them dropped unread as other unknown members are.
 */
function variantsOfImagesOnly(item: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof item !== 'object' || item === null || !('variants' in item) || item.variants === undefined) return item;
  const type = 'type' in item ? item.type : undefined;
  if (type !== 'pdq' && type !== 'blockhash' && typeof type === 'string' && HASH_TYPES.some((t) => t === type))
    ctx.addIssue({ code: 'custom', path: ['variants'], message: `a ${type} item takes no variants: only pdq and blockhash items have rotations and mirrors` });
  return item;
}

/** The node's words for a `type` that names no hash type (the union's own issue). */
const unknownType = (iss: { code: string; input?: unknown }) => {
  if (iss.code !== 'invalid_union') return undefined;
  const type = typeof iss.input === 'object' && iss.input !== null && 'type' in iss.input ? iss.input.type : undefined;
  const expected = `expected one of ${HASH_TYPES.join(', ')}`;
  return type === undefined ? `a hash needs a type: ${expected}` : `unknown hash type ${shown(type)}; ${expected}`;
};

/** A hash to match: one of each type, told apart by `type`. */
const matchItem = (limits: InputLimits) =>
  z.preprocess(
    variantsOfImagesOnly,
    z.discriminatedUnion(
      'type',
      [
        singleHash('pdq', { quality: QUALITY.optional(), variants: turnedVariants('pdq') }),
        singleHash('blockhash', { variants: turnedVariants('blockhash') }),
        singleHash('md5', {}),
        singleHash('sha256', {}),
        z.object(vpdqFields(limits.maxFrames)).transform(digested),
        z.object(pdfFields(limits.maxPages)).transform(paged),
        singleHash('tlsh', {}),
        z.object(urlFields).transform(urlToMatch),
      ],
      { error: unknownType },
    ),
  );

/** The piece of media a shared hash was computed from: the hashes naming the same one form one item. */
export const MediaItemSchema = z
  .object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'item.sha256 must be the SHA-256 of the media, 64 lowercase hex digits'),
    kind: z.enum(ITEM_KINDS, {
      error: (iss) => (iss.input === undefined ? undefined : `item.kind must be one of ${ITEM_KINDS.join(', ')}, got ${shown(iss.input)}`),
    }),
  })
  .openapi('MediaItem', {
    description:
      'The media this hash was computed from (its SHA-256 and kind): the hashes of one piece of media, in this request or another, form one item (GET /v1/items/{id}), retracted and relabelled as one.',
  });

/** The variants a hash may be named with, in words: the whole media, the image's regions, the crops (core/robust STORED_VARIANTS). */
const STORED_VARIANTS_WORDS = `${WHOLE} (the media as it is, the default), ${STORED_REGIONS.join(', ')} (an image's regions: inside borders, inside a phone screenshot's bars, a small rotation undone) or one of the crops ${STORED_VARIANTS.filter((v) => v.startsWith('crop-')).join(', ')}`;

export const VariantSchema = z
  .enum(STORED_VARIANTS as [string, ...string[]], {
    error: (iss) =>
      iss.input === undefined ? undefined : `unknown variant ${shown(iss.input)}: a variant is ${STORED_VARIANTS_WORDS}, as a media share stores them`,
  })
  .openapi({
    description: `With item: the variant of the media the hash was computed from: ${STORED_VARIANTS_WORDS}. A region or crop is of an image's pdq or blockhash. The item keeps the variant it first linked the hash with (the answer's \`variant\`).`,
  });

/** A hash to share: as a match item, with its labels and the member's own reference. */
const shareItem = (limits: InputLimits) => {
  const extra = {
    labels: LabelsSchema.openapi({ description: `1 to ${LABELS.length} labels from GET /v1/labels.` }),
    externalId: ExternalIdSchema.optional(),
    item: MediaItemSchema.optional(),
    variant: VariantSchema.optional(),
  };
  return z.discriminatedUnion(
    'type',
    [
      singleHash('pdq', {
        ...extra,
        quality: QUALITY.optional().openapi({ description: `PDQ quality if you computed it; below ${THRESHOLDS.pdq.minQuality} the hash is refused (422).` }),
      }),
      singleHash('blockhash', extra),
      singleHash('md5', extra),
      singleHash('sha256', extra),
      z.object({ ...vpdqFields(limits.maxFrames), ...extra }).transform(digested),
      z.object({ ...pdfFields(limits.maxPages), ...extra }).transform(paged),
      singleHash('tlsh', extra),
      z
        .object({
          ...urlFields,
          scope: z.enum(URL_SCOPES).optional().openapi({
            description:
              'What the share covers: the URL itself (exact, the default), every URL on its host (host), or every URL under its folder (prefix: https://t.me/s/channel covers https://t.me/s/channel/…). Needs the URL itself.',
          }),
          ...extra,
        })
        .transform(urlToShare),
    ],
    { error: unknownType },
  );
};

/** The items of one request hold at most `maxFrames` frames and `maxPages` pages in all (matching cost grows with them). */
const framesInAll = (maxFrames: number, maxPages: number) => (items: { type: string; frames?: unknown[]; pages?: unknown[] }[], ctx: z.RefinementCtx) => {
  const frames = items.reduce((n, it) => n + (it.type === 'vpdq' && it.frames ? it.frames.length : 0), 0);
  if (frames > maxFrames)
    ctx.addIssue({
      code: 'custom',
      path: [],
      params: BATCH_TOO_LARGE,
      message: `the vpdq items of this request hold ${frames} frames; at most ${maxFrames} are taken in one request (split it)`,
    });
  const pages = items.reduce((n, it) => n + (it.type === 'pdf' && it.pages ? it.pages.length : 0), 0);
  if (pages > maxPages)
    ctx.addIssue({
      code: 'custom',
      path: [],
      params: BATCH_TOO_LARGE,
      message: `the pdf items of this request hold ${pages} pages; at most ${maxPages} are taken in one request (split it)`,
    });
};

/**
 * A variant names an edit of an item's media: only with an item, a region or crop only of an image's
 * pdq or blockhash (what a media share stores), and one kind per piece of media.
 */
const variantsInItems = (items: { type: string; item?: { sha256: string; kind: string }; variant?: string }[], ctx: z.RefinementCtx) => {
  const kinds = new Map<string, string>();
  items.forEach((it, i) => {
    if (it.variant !== undefined && !it.item)
      ctx.addIssue({ code: 'custom', path: [i, 'variant'], message: "a variant is of an item's media: give the item (its sha256 and kind) too" });
    if (!it.item) return;
    if (it.variant !== undefined && it.variant !== WHOLE) {
      if (it.type !== 'pdq' && it.type !== 'blockhash')
        ctx.addIssue({
          code: 'custom',
          path: [i, 'variant'],
          message: `${it.variant} is a region or crop of an image, hashed by pdq or blockhash; a ${it.type} hash is of the whole media (variant ${WHOLE}, the default)`,
        });
      else if (it.item.kind !== 'image')
        ctx.addIssue({
          code: 'custom',
          path: [i, 'variant'],
          message: `${it.variant} is a region or crop of an image; the hashes of a ${it.item.kind} are of the whole media (variant ${WHOLE}, the default)`,
        });
    }
    const kind = kinds.get(it.item.sha256);
    if (kind !== undefined && kind !== it.item.kind)
      ctx.addIssue({
        code: 'custom',
        path: [i, 'item', 'kind'],
        message: `the media ${it.item.sha256} is named as ${kind} and as ${it.item.kind} in one request`,
      });
    else kinds.set(it.item.sha256, it.item.kind);
  });
};

const batch = <T extends z.ZodType>(item: T, max: number, what: string) =>
  z
    .array(item)
    .min(1, `${what} must hold at least one item`)
    .max(max, {
      error: (iss) => `${what} holds ${Array.isArray(iss.input) ? iss.input.length : 'more than ' + max} items; at most ${max} are accepted in one request`,
    });

export const LabelIdSchema = z
  .enum(
    LABELS.map((l) => l.id),
    { error: (iss) => (iss.input === undefined ? undefined : `unknown label ${shown(iss.input)}; see GET /v1/labels`) },
  )
  .openapi({ example: 'attack-footage' });

/** 1 or more labels from the vocabulary. */
export const LabelsSchema = z
  .array(LabelIdSchema)
  .min(1, 'give at least one label (GET /v1/labels lists them)')
  // A cap on what is echoed back (each label sent would be a problem of its own): repeats are
  // allowed (the share keeps each label once), so the cap is the vocabulary's size several times over.
  .max(LABELS.length * 10, `give at most ${LABELS.length * 10} labels (the vocabulary has ${LABELS.length}; GET /v1/labels lists them)`);

export const ExternalIdSchema = plainText(200, 'externalId').openapi({ description: 'Your own reference for this item (e.g. a case id).' });

/** Per type, the largest maximum distance a query may ask for (0 for exact hashes). */
const maxDistance = (t: HashType) => wholeNumber(0, HASH_SPECS[t].maxDistanceCap, `${t} maxDistance`).optional();
const hamming = SINGLE_HASH_TYPES.filter((t) => HASH_SPECS[t].metric === 'hamming');
const MaxDistanceSchema = z
  .strictObject({
    pdq: maxDistance('pdq'),
    blockhash: maxDistance('blockhash'),
    md5: maxDistance('md5'),
    sha256: maxDistance('sha256'),
    vpdq: maxDistance('vpdq'),
    pdf: maxDistance('pdf'),
    tlsh: maxDistance('tlsh'),
    url: maxDistance('url'),
  } satisfies Record<HashType, unknown>)
  .openapi({
    description:
      `Per-type maximum distance, overriding the defaults: Hamming distance for ${hamming.map((t) => `${t} (${HASH_SPECS[t].defaultMaxDistance})`).join(', ')}, ` +
      `vpdq frames (${HASH_SPECS.vpdq.defaultMaxDistance}) and pdf pages (${HASH_SPECS.pdf.defaultMaxDistance}), up to a cap of ${HASH_SPECS.pdq.maxDistanceCap}; ` +
      `TLSH distance for tlsh (${HASH_SPECS.tlsh.defaultMaxDistance}), up to ${HASH_SPECS.tlsh.maxDistanceCap}; exact hashes (${SINGLE_HASH_TYPES.filter((t) => HASH_SPECS[t].metric === 'equal').join(', ')}) only 0.`,
    example: { pdq: 24 },
  });

export const matchRequestSchema = (limits: InputLimits) =>
  z
    .object({
      hashes: batch(matchItem(limits), limits.maxBatch, 'hashes')
        .superRefine(framesInAll(limits.maxFrames, limits.maxPages))
        .openapi({
          description: `1 to ${limits.maxBatch} hashes; the vpdq items hold at most ${limits.maxFrames} frames in all, the pdf items at most ${limits.maxPages} pages.`,
        }),
      maxDistance: MaxDistanceSchema.optional(),
      dihedral: z.boolean().optional().openapi({
        description:
          "Also match the rotations and mirrors of each pdq item sent without `variants`, derived from its bits (approximate, a few bits off; at the pdq distance). A blockhash cannot be turned without the image: send its `variants` (and pdq's, exact) as the client computes them from the pixels, or send the image to /v1/match/media. Items' `variants` are matched whether or not this is set.",
      }),
    })
    .openapi('MatchRequest');

export const shareRequestSchema = (limits: InputLimits) =>
  z
    .object({
      items: batch(shareItem(limits), limits.maxBatch, 'items')
        .superRefine(framesInAll(10 * limits.maxFrames, 10 * limits.maxPages))
        .superRefine(variantsInItems)
        .openapi({
          description: `1 to ${limits.maxBatch} items; the vpdq items hold at most ${10 * limits.maxFrames} frames in all, the pdf items at most ${10 * limits.maxPages} pages.`,
        }),
    })
    .openapi('ShareRequest');

export type MatchRequest = z.output<ReturnType<typeof matchRequestSchema>>;
export type ShareRequest = z.output<ReturnType<typeof shareRequestSchema>>;
