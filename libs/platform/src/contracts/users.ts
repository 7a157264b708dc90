// The user check contract between orders (caller) and users (owner of the records): which of the users an order
// names exist. Orders checks the users of many orders in one call (`groupCalls`), as it reserves their stock.
import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from '../schemas.ts';

export const MAX_USER_CHECK_BATCH = 200;

export const usersPaths = { existing: '/internal/users/existing' } as const;

export const UserCheckRequest = Type.Object(
  { ids: Type.Array(Uuid, { minItems: 1, maxItems: MAX_USER_CHECK_BATCH, uniqueItems: true }) },
  { additionalProperties: false },
);
export type UserCheckRequest = Static<typeof UserCheckRequest>;

export const UserCheckResult = Type.Object({
  /** The asked ids that name a user, in the order asked. */
  existing: Type.Array(Type.String({ format: 'uuid' })),
});
export type UserCheckResult = Static<typeof UserCheckResult>;

/** Whether `id` can name a user at all: users keys its records by lower-case UUIDs (the `Uuid` schema). */
export const isUserId = (id: string): boolean => USER_ID.test(id);
const USER_ID = new RegExp(Uuid.pattern ?? '^$');
