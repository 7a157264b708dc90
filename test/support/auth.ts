// Identity for tests: one development issuer per test process (its JWKS on a random port) and one service key for
// orders, so services built in-process accept the tokens the tests mint, exactly as under `npm start`.
import { SERVICE_TOKEN_HEADER, ServiceTokenSigner, generateServiceKey } from '@shipshape/platform/auth';
import { DEV_ADMIN_SUB, DevIssuer, type MintOptions } from '../../tools/dev/issuer.ts';
import { call, type JsonResponse } from './http.ts';

export interface TestAuth {
  issuer: DevIssuer;
  /** orders' service key pair. */
  ordersKey: { privateKey: string; publicKey: string };
}

/** The subject of the admin tokens tests mint (a user id that exists nowhere). */
export const ADMIN_SUB = DEV_ADMIN_SUB;

let shared: Promise<TestAuth> | undefined;

export function testAuth(): Promise<TestAuth> {
  shared ??= (async () => {
    const issuer = await DevIssuer.create();
    await issuer.listen();
    return { issuer, ordersKey: generateServiceKey() };
  })();
  return shared;
}

/** The identity settings each service needs in tests. */
export async function authEnv(service: 'users' | 'products' | 'orders' | 'gateway'): Promise<Record<string, string>> {
  const { issuer, ordersKey } = await testAuth();
  const env = issuer.env();
  if (service === 'orders') return { ...env, SERVICE_PRIVATE_KEY: ordersKey.privateKey };
  if (service === 'users' || service === 'products')
    return { ...env, SERVICE_TRUSTED_CALLERS: `orders=${ordersKey.publicKey}` };
  return env;
}

export async function mint(o: MintOptions): Promise<string> {
  return (await testAuth()).issuer.mint(o);
}

export const adminToken = (o: Partial<MintOptions> = {}) => mint({ sub: ADMIN_SUB, admin: true, ...o });
export const userToken = (sub: string, o: Partial<MintOptions> = {}) => mint({ sub, ...o });
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Headers that prove the call comes from orders, addressed to `callee`. */
export async function ordersIdentity(callee: 'users' | 'products'): Promise<Record<string, string>> {
  const { ordersKey } = await testAuth();
  return { [SERVICE_TOKEN_HEADER]: await new ServiceTokenSigner('orders', ordersKey.privateKey).tokenFor(callee) };
}

let adminHeader: Promise<string> | undefined;
/** `call` as an admin: for tests about something other than who may call. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers of any shape
export async function adminCall<T = any>(url: string, init: Parameters<typeof call>[1] = {}): Promise<JsonResponse<T>> {
  adminHeader ??= adminToken().then((t) => `Bearer ${t}`);
  return call<T>(url, { ...init, headers: { authorization: await adminHeader, ...init?.headers } });
}
