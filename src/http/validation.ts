/**
 * Validation in the node's own words. Every request schema is parsed with `nodeWords` as its error
 * map (see `withNodeWords`), so a failure reads "hashes/0/quality must be a whole number, got 1.5"
 * rather than zod's "Invalid input: expected int, received number"; messages a schema gives itself
 * ("pdq value must be 64 hex characters (256 bits), got 63") win over these. `problemOf` turns the
 * issues into the one DomainError every route renders as problem+json, one `errors[]` entry per field.
 */
import type { z } from '@hono/zod-openapi';
import { DomainError, type FieldProblem } from '../core/errors';
import { shown } from '../core/text';

type RawIssue = z.core.$ZodRawIssue;

/** `hashes/0/value`: the path as `errors[].path` shows it; the body itself is `body`. */
export const pathOf = (path: readonly PropertyKey[] | undefined): string => (path?.length ? path.map(String).join('/') : 'body');

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

const count = (n: number | bigint, one: string, many = `${one}s`) => `${n} ${Number(n) === 1 ? one : many}`;

/** The node's words for an issue a schema did not word itself. */
export function nodeWords(iss: RawIssue): string {
  const field = pathOf(iss.path);
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return `${field} is missing`;
      return `${field} must be ${EXPECTED[iss.expected] ?? iss.expected}, got ${shown(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'array') return `${field} must hold at least ${count(iss.minimum, 'item')}`;
      if (iss.origin === 'string')
        return iss.exact ? `${field} must be exactly ${count(iss.minimum, 'character')}` : `${field} must be at least ${count(iss.minimum, 'character')}`;
      return `${field} must be ${iss.inclusive === false ? 'more than' : 'at least'} ${iss.minimum}, got ${shown(iss.input)}`;
    case 'too_big':
      if (iss.origin === 'array')
        return `${field} holds ${Array.isArray(iss.input) ? iss.input.length : 'too many'} items; at most ${iss.maximum} are accepted in one request`;
      if (iss.origin === 'string') return `${field} must be at most ${count(iss.maximum, 'character')}`;
      return `${field} must be ${iss.inclusive === false ? 'less than' : 'at most'} ${iss.maximum}, got ${shown(iss.input)}`;
    case 'invalid_value':
      return `${field} must be ${iss.values.length === 1 ? shown(iss.values[0]) : `one of ${iss.values.map(String).join(', ')}`}, got ${shown(iss.input)}`;
    case 'invalid_union':
      if (iss.discriminator !== undefined && 'options' in iss && Array.isArray(iss.options)) {
        const got = typeof iss.input === 'object' && iss.input !== null ? Reflect.get(iss.input, iss.discriminator) : undefined;
        return `${field}/${iss.discriminator} must be one of ${iss.options.map(String).join(', ')}, got ${shown(got)}`;
      }
      return `${field} is none of the shapes this field takes (see /docs)`;
    case 'unrecognized_keys': {
      const def = iss.inst?._zod.def;
      const shape = def && 'shape' in def && typeof def.shape === 'object' && def.shape !== null ? Object.keys(def.shape) : [];
      return `unknown member; ${field} takes ${shape.join(', ') || 'no other members'}`;
    }
    case 'invalid_format':
      return `${field} is not in the expected format${iss.pattern ? ` (${iss.pattern})` : ''}`;
    default:
      return `${field} is not valid`;
  }
}

/**
 * Gives a request schema the node's words: zod takes an error map per parse, and the validators of
 * @hono/zod-openapi call `safeParseAsync(value)` with none, so the schema's own `safeParseAsync` is
 * replaced by one that passes `nodeWords`. The schema object itself stays the one the OpenAPI
 * document is made from.
 */
export function withNodeWords<S extends z.ZodType>(schema: S): S {
  const parse = schema.safeParseAsync.bind(schema);
  schema.safeParseAsync = (data, params) => parse(data, { ...params, error: nodeWords });
  return schema;
}

/** Parses outside a route validator (a multipart form's fields), with the same words and problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const r = schema.safeParse(data, { error: nodeWords });
  if (!r.success) throw problemOf(r.error.issues);
  return r.data;
}

/** A custom issue that makes the whole request a `batch_too_large` (too many frames in all). */
export const BATCH_TOO_LARGE = { problem: 'batch_too_large' } as const;

/**
 * Field problems: an unknown member of an object is named by its own path (`maxDistance/pdx`). A
 * field of the wrong type gets that one problem: zod still runs length checks on a string sent
 * where an array belongs, which would only add noise.
 */
function problems(issues: readonly z.core.$ZodIssue[], mistyped: ReadonlySet<string>): FieldProblem[] {
  return issues
    .filter((i) => i.code === 'invalid_type' || !mistyped.has(pathOf(i.path)))
    .flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ path: pathOf([...i.path, k]), message: `${pathOf([...i.path, k])}: ${i.message}` }))
        : [{ path: pathOf(i.path), message: i.message }],
    );
}

/**
 * One DomainError for a failed parse. `batch_too_large` when a request holds more items (or
 * frames) than it may, else `invalid_request`; `detail` is the first problem.
 */
export function problemOf(issues: readonly z.core.$ZodIssue[]): DomainError {
  const mistyped = new Set(issues.filter((i) => i.code === 'invalid_type').map((i) => pathOf(i.path)));
  const errors = problems(issues, mistyped);
  const tooMany = issues.some(
    (i) =>
      (i.code === 'too_big' && i.origin === 'array' && i.path.length === 1 && !mistyped.has(pathOf(i.path))) ||
      (i.code === 'custom' && i.params?.problem === BATCH_TOO_LARGE.problem),
  );
  return new DomainError(tooMany ? 'batch_too_large' : 'invalid_request', errors[0]?.message ?? 'the request is not valid', { errors });
}
