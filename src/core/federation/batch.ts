/**
 * The signed batch of the federation feed (DESIGN §8): what its payload holds, how one change of a
 * hash becomes an item (`toBatchItem`, the one place an item's fields are chosen), and the checks a
 * pulling node makes on a payload whose signature it has verified (`checkBatchPayload`). Pure: the
 * signature itself is checked by the caller (services/federation).
 */
import { checkPdfPages, MAX_PDF_PAGE, pdfDigest, type PdfPageHash } from '../document';
import { checkHash, isHashType, isKnownLabel, type HashType } from '../hashes';
import { isItemKind, itemId, ITEM_ID_PATTERN, VARIANT_PATTERN, type ItemKind } from '../items';
import { isRecord, isWholeIn } from '../json';
import { CONTROL_CHARACTERS } from '../text';
import { checkVideoFrames, vpdqDigest, type VideoFrameHash } from '../video';

/** The JWS `typ` of a batch. */
export const BATCH_TYP = 'hash-batch+jws';
/** The only signature algorithm a batch may use (the node keys are Ed25519). */
export const BATCH_ALG = 'EdDSA';

export type BatchOp = 'add' | 'update' | 'retract';

export interface BatchItem {
  op: BatchOp;
  type: string;
  value: string;
  /** The labels at the origin (the union of its members' standing contributions). */
  labels: string[];
  /** How many members stand behind the hash at the origin (0 after a retraction). */
  contributors: number;
  quality?: number;
  externalId?: string;
  /** vpdq: the frames, in the item that adds (or re-adds) the video. */
  frames?: VideoFrameHash[];
  /** pdf: the pages, in the item that adds (or re-adds) the PDF. */
  pages?: PdfPageHash[];
  /** The items (shared pieces of media) the hash belongs to at the origin, with the variant it was computed from there. */
  items?: ServedItemRef[];
}

/**
 * A hash's item as a batch carries it: the id (core/items `itemId` of the batch's origin and the
 * media's SHA-256, which the puller checks), the variant, and the media's SHA-256 and kind.
 */
export interface ServedItemRef {
  id: string;
  variant: string;
  sha256: string;
  kind: ItemKind;
}

export interface BatchPayload {
  /** The serving node's PUBLIC_URL. */
  origin: string;
  /** The cursor the batch continues from ('' for the beginning) and the one the next batch continues from. */
  from: string;
  to: string;
  issuedAt: string;
  items: BatchItem[];
}

/** What a change of one of this node's hashes looks like in a batch. */
export interface ServedChange {
  kind: BatchOp;
  type: string;
  value: string;
  labels: string[];
  contributors: number;
  externalId: string | null;
  quality?: number | null;
  frames?: VideoFrameHash[];
  pages?: PdfPageHash[];
  items?: ServedItemRef[];
}

/** One change as a batch item. New fields of a hash (e.g. a grouping of one media's hashes) go here and only here. */
export function toBatchItem(c: ServedChange): BatchItem {
  return {
    op: c.kind,
    type: c.type,
    value: c.value,
    labels: c.labels,
    contributors: c.contributors,
    ...(c.quality !== undefined && c.quality !== null ? { quality: c.quality } : {}),
    ...(c.externalId !== null && c.kind !== 'retract' ? { externalId: c.externalId } : {}),
    ...(c.frames?.length ? { frames: c.frames } : {}),
    ...(c.pages?.length ? { pages: c.pages } : {}),
    ...(c.items?.length ? { items: c.items } : {}),
  };
}

/** Bounds a pulling node holds a batch to (a serving node sends at most 1000 items, 20,000 frames). */
export const BATCH_LIMITS = {
  items: 10_000,
  framesPerItem: 100_000,
  pagesPerItem: MAX_PDF_PAGE,
  cursorLength: 200,
  labels: 100,
  externalIdLength: 200,
  itemsPerHash: 100,
} as const;

/** A checked item of a type this node stores. */
export interface CheckedItem {
  op: BatchOp;
  type: HashType;
  value: string;
  /** Only labels this node knows (others are dropped). */
  labels: string[];
  contributors: number;
  externalId: string | null;
  frames?: VideoFrameHash[];
  pages?: PdfPageHash[];
  /** The items the hash belongs to at the origin, ids checked against the origin. */
  items?: ServedItemRef[];
}

export type BatchCheck =
  | {
      ok: true;
      /** The payload's `to` cursor. */
      to: string;
      /** Items as served (types this node does not store included). */
      served: number;
      items: CheckedItem[];
      /** Items of types this node does not store (left out). */
      skipped: number;
    }
  | { ok: false; problem: string };

/**
 * Checks a batch payload as a pulling node must before applying anything of it: it names the
 * expected origin, continues the cursor the puller holds, and every item is well-formed (a vpdq
 * item's value is its frames' digest, a pdf item's its pages'). The first problem found refuses the whole batch. Items of a
 * hash type this node does not know (a newer peer's) are left out, not refused.
 */
export function checkBatchPayload(raw: unknown, expect: { origin: string; from: string }): BatchCheck {
  const bad = (problem: string): BatchCheck => ({ ok: false, problem });
  if (!isRecord(raw)) return bad('the payload is not a JSON object');
  const { origin, from, to, issuedAt, items } = raw;
  if (origin !== expect.origin) return bad(`the batch names origin ${JSON.stringify(origin)}, not this peer's URL ${JSON.stringify(expect.origin)}`);
  if (typeof from !== 'string' || from !== expect.from)
    return bad(
      `the batch starts at cursor ${JSON.stringify(from)}, not where the last batch ended (${JSON.stringify(expect.from)}): a gap or an overlap in the cursor chain`,
    );
  if (typeof to !== 'string' || to === '' || to.length > BATCH_LIMITS.cursorLength) return bad('the batch has no valid "to" cursor');
  if (typeof issuedAt !== 'string' || Number.isNaN(Date.parse(issuedAt))) return bad('the batch has no valid issuedAt time');
  if (!Array.isArray(items)) return bad('the batch has no items array');
  if (items.length > BATCH_LIMITS.items) return bad(`the batch holds ${items.length} items; at most ${BATCH_LIMITS.items} are taken`);
  if (items.length > 0 && to === from) return bad('the batch holds items but does not move the cursor');
  const out: CheckedItem[] = [];
  let skipped = 0;
  for (let i = 0; i < items.length; i++) {
    const r = checkItem(items[i], `items/${i}`, expect.origin);
    if (r === 'skip') skipped++;
    else if ('problem' in r) return bad(r.problem);
    else out.push(r);
  }
  return { ok: true, to, served: items.length, items: out, skipped };
}

/**
 * The items of a batch item: each well-formed, and named as its origin names items (the id is the
 * origin's and the media's; a batch cannot attach a hash to another node's item).
 */
function checkItemRefs(raw: unknown, at: string, origin: string): { refs?: ServedItemRef[] } | { problem: string } {
  if (raw === undefined) return {};
  if (!Array.isArray(raw) || raw.length > BATCH_LIMITS.itemsPerHash)
    return { problem: `${at}: items must be an array of at most ${BATCH_LIMITS.itemsPerHash} items` };
  const refs: ServedItemRef[] = [];
  for (let k = 0; k < raw.length; k++) {
    const r: unknown = raw[k];
    const bad = (message: string) => ({ problem: `${at}/${k}: ${message}` });
    if (!isRecord(r)) return bad('not an object');
    const { id, variant, sha256, kind } = r;
    if (typeof id !== 'string' || !ITEM_ID_PATTERN.test(id)) return bad('id must be an item id');
    if (typeof variant !== 'string' || !VARIANT_PATTERN.test(variant)) return bad('variant must be a variant name (lowercase letters, digits and dashes)');
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) return bad('sha256 must be 64 lowercase hex digits');
    if (!isItemKind(kind)) return bad('kind must be image, video, pdf or text');
    if (itemId(origin, sha256) !== id) return bad('the item id is not the one the origin gives media with this SHA-256');
    refs.push({ id, variant, sha256, kind });
  }
  return { refs };
}

function checkItem(raw: unknown, at: string, origin: string): CheckedItem | 'skip' | { problem: string } {
  const r = checkHashItem(raw, at);
  if (r === 'skip' || 'problem' in r || !isRecord(raw)) return r;
  const refs = checkItemRefs(raw.items, `${at}/items`, origin);
  if ('problem' in refs) return refs;
  return refs.refs?.length ? { ...r, items: refs.refs } : r;
}

function checkHashItem(raw: unknown, at: string): CheckedItem | 'skip' | { problem: string } {
  const bad = (message: string) => ({ problem: `${at}: ${message}` });
  if (!isRecord(raw)) return bad('not an object');
  const { op, type, value, labels, contributors, externalId, frames, pages, quality } = raw;
  if (op !== 'add' && op !== 'update' && op !== 'retract') return bad(`op must be add, update or retract, not ${JSON.stringify(op)}`);
  if (typeof type !== 'string' || !/^[a-z0-9_-]{1,32}$/.test(type)) return bad('type must be a hash type name');
  if (!isHashType(type)) return 'skip';
  if (
    !Array.isArray(labels) ||
    labels.length > BATCH_LIMITS.labels ||
    !labels.every((l) => typeof l === 'string' && l.length > 0 && l.length <= 100 && !CONTROL_CHARACTERS.test(l))
  ) {
    return bad('labels must be an array of label ids');
  }
  if (!isWholeIn(contributors, 0, 1e9)) return bad('contributors must be a whole number');
  if (
    externalId !== undefined &&
    (typeof externalId !== 'string' || externalId.length > BATCH_LIMITS.externalIdLength || CONTROL_CHARACTERS.test(externalId))
  ) {
    return bad(`externalId must be text of at most ${BATCH_LIMITS.externalIdLength} characters without control characters`);
  }
  if (quality !== undefined && !isWholeIn(quality, 0, 100)) return bad('quality must be a whole number from 0 to 100');
  const known = [...new Set(labels.filter(isKnownLabel))].sort();
  const base = { op, labels: known, contributors, externalId: typeof externalId === 'string' ? externalId : null } as const;
  if (type === 'pdf') {
    if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) return bad('a pdf value must be 64 lowercase hex digits');
    if (pages === undefined) return op === 'add' ? bad('a pdf item that adds a PDF must carry its pages') : { ...base, type: 'pdf', value };
    const p = checkPdfPages(pages, `${at}/pages`, BATCH_LIMITS.pagesPerItem);
    if ('problems' in p) return { problem: `${p.problems[0].path}: ${p.problems[0].message}` };
    if (pdfDigest(p.pages) !== value) return bad('the pdf value is not the SHA-256 of its pages');
    return { ...base, type: 'pdf', value, pages: p.pages };
  }
  if (type !== 'vpdq') {
    const r = checkHash(type, value, at);
    if ('problems' in r) return bad(r.problems[0].message);
    if (r.value !== value) return bad('hash values travel in their stored form (lowercase hex; tlsh: T1 and upper-case hex)');
    return { ...base, type, value: r.value };
  }
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) return bad('a vpdq value must be 64 lowercase hex digits');
  if (frames === undefined) return op === 'add' ? bad('a vpdq item that adds a video must carry its frames') : { ...base, type: 'vpdq', value };
  const f = checkVideoFrames(frames, `${at}/frames`, BATCH_LIMITS.framesPerItem);
  if ('problems' in f) return { problem: `${f.problems[0].path}: ${f.problems[0].message}` };
  if (vpdqDigest(f.frames) !== value) return bad('the vpdq value is not the SHA-256 of its frames');
  return { ...base, type: 'vpdq', value, frames: f.frames };
}
