// Shared servers the tests talk to. Tests that stop a server start their own instance instead.
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CONDUIT_JWT_SECRET = 'conduit-test-secret-0123456789abcdef0123';
