// Schemas shared by every service's routes.
import { Type } from '@sinclair/typebox';
import { Problem } from './errors.ts';

/** Canonical spelling only (lower case, no `urn:uuid:`), so one id has one spelling everywhere. */
export const Uuid = Type.String({
  format: 'uuid',
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'A UUID in lower case.',
});
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Items per page.' }),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '^[A-Za-z0-9_-]+$',
      description: 'Opaque cursor from a previous page.',
    }),
  ),
};

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details.' },
);

export const Page = <T extends import('@sinclair/typebox').TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export interface KeysetPosition {
  createdAt: string;
  id: string;
}

/** Keyset cursors: opaque to clients, stable under inserts. */
export function encodeCursor(p: KeysetPosition): string {
  return Buffer.from(`${p.createdAt}|${p.id}`, 'utf8').toString('base64url');
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A position this API could have issued: a real instant in ISO form (it round-trips) and a canonical UUID. */
function isPosition(createdAt: string | undefined, id: string | undefined, rest: string[]): boolean {
  if (!createdAt || !id || rest.length > 0 || !CURSOR_TIME.test(createdAt) || !CANONICAL_UUID.test(id)) return false;
  const time = new Date(createdAt);
  return !Number.isNaN(time.getTime()) && time.toISOString() === createdAt;
}

export function decodeCursor(cursor: string | undefined, field = 'querystring.cursor'): KeysetPosition | undefined {
  if (cursor === undefined) return undefined;
  const [createdAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!isPosition(createdAt, id, rest)) {
    throw new Problem(400, 'validation-error', 'Bad Request', `${field.split('.').pop()} is not valid`, {
      errors: [{ field, message: 'is not a cursor this API issued' }],
    });
  }
  return { createdAt: createdAt as string, id: id as string };
}

export type PageOf<T> = { items: T[]; nextCursor: string | null };

/** One page from a keyset query that fetched `limit + 1` rows: the extra row only says that a next page exists. */
export function toPage<T extends KeysetPosition>(rows: T[], limit: number): PageOf<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
