// Public catalog: cached reads, admin-only writes.
import { Type } from '@sinclair/typebox';
import type { App } from '@shipshape/platform/service';
import { cachedPage, sendCached } from '@shipshape/platform/service';
import type { FastifyReply } from 'fastify';
import type { Cache } from '@shipshape/platform/cache';
import { conflict, notFound } from '@shipshape/platform/errors';
import { IdParams, Page, PageQuery } from '@shipshape/platform/schemas';
import { DuplicateSku, type Product, type ProductStore } from '../../domain/catalog.ts';

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

const CreateProduct = Type.Object(
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
const UpdateProduct = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    priceCents: Type.Optional(PriceCents),
    currency: Type.Optional(Currency),
    stock: Type.Optional(Stock),
  },
  { additionalProperties: false, minProperties: 1 },
);

export interface ProductsRoutesOptions {
  repo: ProductStore;
  cache: Cache;
}

export default async function productsRoutes(app: App, { repo, cache }: ProductsRoutesOptions) {
  const tags = ['products'];
  // Authentication runs before validation: an anonymous caller learns nothing about the body schema.
  const admin = { onRequest: app.requireAdmin };
  const security = [{ bearerAuth: [] }];

  app.get(
    '/products',
    {
      schema: {
        tags,
        summary: 'List products (cached), oldest first',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(ProductSchema) },
      },
    },
    async (request, reply) =>
      cachedPage(cache, reply as unknown as FastifyReply, request.query, (limit, after) => repo.list(limit, after)),
  );

  app.get(
    '/products/:id',
    { schema: { tags, summary: 'Get a product (cached)', params: IdParams, response: { 200: ProductSchema } } },
    async (request, reply) => {
      const found = await cache.read<Product>(`product:${request.params.id}`, () => repo.get(request.params.id));
      if (!found) throw notFound('product', request.params.id);
      return sendCached(reply as unknown as FastifyReply, found);
    },
  );

  app.post(
    '/products',
    {
      ...admin,
      schema: {
        tags,
        security,
        summary: 'Create a product (admin)',
        body: CreateProduct,
        response: { 201: ProductSchema },
      },
    },
    async (request, reply) => {
      try {
        const product = await repo.create(request.body);
        await cache.invalidate([], ['list']);
        reply.code(201).header('location', `/products/${product.id}`);
        return product;
      } catch (err) {
        if (err instanceof DuplicateSku)
          throw conflict('duplicate-sku', `a product with sku ${request.body.sku} already exists`, {
            errors: [{ field: 'body.sku', message: 'is already used' }],
          });
        throw err;
      }
    },
  );

  app.patch(
    '/products/:id',
    {
      ...admin,
      schema: {
        tags,
        security,
        summary: 'Update a product, including its stock (admin)',
        params: IdParams,
        body: UpdateProduct,
        response: { 200: ProductSchema },
      },
    },
    async (request) => {
      const product = await repo.update(request.params.id, request.body);
      if (!product) throw notFound('product', request.params.id);
      await cache.invalidate([`product:${product.id}`], ['list']);
      return product;
    },
  );

  app.delete(
    '/products/:id',
    {
      ...admin,
      schema: { tags, security, summary: 'Delete a product (admin)', params: IdParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      if (!(await repo.softDelete(request.params.id))) throw notFound('product', request.params.id);
      await cache.invalidate([`product:${request.params.id}`], ['list']);
      return reply.code(204).send(null);
    },
  );
}
