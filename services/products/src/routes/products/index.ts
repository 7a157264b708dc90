// Public catalog: cached reads, admin-only writes.
import { Type } from '@sinclair/typebox';
import type { App } from '@shipshape/platform/service';
import { cachedPage, replyCached } from '@shipshape/platform/service';
import type { Cache } from '@shipshape/platform/cache';
import { conflict, notFound } from '@shipshape/platform/errors';
import { IdParams, Page, PageQuery } from '@shipshape/platform/schemas';
import { DuplicateSku, type ProductStore } from '../../domain/catalog.ts';
import { CreateProduct, ProductSchema, UpdateProduct } from '../../schemas.ts';

export interface ProductsRoutesOptions {
  repo: ProductStore;
  cache: Cache;
}

export default async function productsRoutes(app: App, { repo, cache }: ProductsRoutesOptions) {
  const tags = ['products'];
  // Authentication runs before validation: an anonymous caller learns nothing about the body schema.
  const admin = { config: { access: 'admin' as const } };
  const anyone = { config: { access: 'public' as const } };
  const security = [{ bearerAuth: [] }];

  app.get(
    '/products',
    {
      ...anyone,
      schema: {
        tags,
        summary: 'List products (cached), oldest first',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(ProductSchema) },
      },
    },
    async (request, reply) => cachedPage(cache, reply, request.query, (limit, after) => repo.list(limit, after)),
  );

  app.get(
    '/products/:id',
    {
      ...anyone,
      schema: { tags, summary: 'Get a product (cached)', params: IdParams, response: { 200: ProductSchema } },
    },
    (request, reply) =>
      replyCached(
        cache,
        reply,
        `product:${request.params.id}`,
        () => repo.get(request.params.id),
        () => notFound('product', request.params.id),
      ),
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
