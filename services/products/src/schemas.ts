// The catalog's API schemas: they validate requests, serialise answers, document the API and give the domain its types.
import { Type } from '@sinclair/typebox';

const Sku = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'Stock keeping unit: letters, digits, . _ -',
});
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Description = Type.String({ maxLength: 2000 });
const PriceCents = Type.Integer({ minimum: 0, maximum: 100_000_000_00, description: 'Price in minor units.' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.' });
const Stock = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

export const ProductSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    sku: Type.String(),
    name: Type.String(),
    description: Type.String(),
    priceCents: Type.Integer(),
    currency: Type.String(),
    stock: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Product' },
);

export const CreateProduct = Type.Object(
  {
    sku: Sku,
    name: Name,
    description: Type.Optional(Description),
    priceCents: PriceCents,
    currency: Currency,
    stock: Stock,
  },
  { additionalProperties: false },
);
export const UpdateProduct = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    priceCents: Type.Optional(PriceCents),
    currency: Type.Optional(Currency),
    stock: Type.Optional(Stock),
  },
  { additionalProperties: false, minProperties: 1 },
);
