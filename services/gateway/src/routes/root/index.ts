// GET /: who answers. The same schema describes the route in the combined docs.
import { Type } from '@sinclair/typebox';
import type { App } from '@shipshape/platform/service';

export const GatewayInfo = Type.Object(
  {
    service: Type.Literal('gateway'),
    company: Type.String({ description: 'COMPANY_NAME.' }),
    version: Type.String(),
  },
  { additionalProperties: false },
);

export interface RootRoutesOptions {
  company: string;
  version: string;
}

export default async function rootRoutes(app: App, { company, version }: RootRoutesOptions) {
  app.get('/', { config: { access: 'public' }, schema: { hide: true, response: { 200: GatewayInfo } } }, async () => ({
    service: 'gateway' as const,
    company,
    version,
  }));
}
