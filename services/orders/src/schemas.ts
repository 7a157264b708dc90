// The orders API schemas: they validate requests, serialise answers, document the API and give the domain its types.
import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from '@shipshape/platform/schemas';

export const OrderItemSchema = Type.Object({
  productId: Type.String({ format: 'uuid' }),
  quantity: Type.Integer(),
  unitPriceCents: Type.Integer(),
});

export const OrderSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    userId: Type.String({ format: 'uuid' }),
    status: Type.Union([Type.Literal('confirmed'), Type.Literal('cancelling'), Type.Literal('cancelled')], {
      description: 'cancelling: cancel accepted, stock not returned yet (the reconciler finishes it).',
    }),
    items: Type.Array(OrderItemSchema),
    totalCents: Type.Integer(),
    currency: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Order' },
);

export const CreateOrder = Type.Object(
  {
    userId: Type.Optional(
      Type.String({
        ...Uuid,
        description: 'Whose order: defaults to the token subject; only an admin may name another user.',
      }),
    ),
    items: Type.Array(
      Type.Object(
        { productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 100 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
  },
  { additionalProperties: false },
);

export type OrderItem = Static<typeof OrderItemSchema>;
export type Order = Static<typeof OrderSchema>;
export type OrderStatus = Order['status'];
