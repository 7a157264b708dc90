// `npm run seed`: about 10 users and 20 products with stock. Deterministic ids, so running it twice changes nothing.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { ConfigError } from '@shipshape/platform/config';
import { databaseUrlFromEnv } from './targets.ts';

const uuidFrom = (name: string) => {
  const h = createHash('sha256').update(`shipshape-seed:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Radia', 'Guido', 'Frances'];
const LAST = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Perlman',
  'van Rossum',
  'Allen',
];
const PRODUCTS = [
  ['Anchor mug', 1299],
  ['Canvas tote', 2499],
  ['Deck shoes', 8999],
  ['Dry bag 20L', 3499],
  ['Sailing gloves', 2999],
  ['Rope keychain', 599],
  ['Compass', 4599],
  ['Binoculars 8x42', 18999],
  ['Logbook', 1599],
  ['Sea chart poster', 2199],
  ['Rain jacket', 12999],
  ['Wool beanie', 2599],
  ['Head torch', 3299],
  ['Knot guide', 999],
  ['Thermos', 2799],
  ['Sunglasses', 6999],
  ['Life vest', 7999],
  ['Whistle', 499],
  ['First aid kit', 3999],
  ['Flag set', 4999],
] as const;

export const SEED_USERS = FIRST.map((first, i) => ({
  id: uuidFrom(`user-${i}`),
  name: `${first} ${LAST[i]}`,
  email: `${first.toLowerCase()}.${(LAST[i] ?? '').toLowerCase().replace(/\s+/g, '')}@example.com`,
}));

export const SEED_PRODUCTS = PRODUCTS.map(([name, priceCents], i) => ({
  id: uuidFrom(`product-${i}`),
  sku: `SHIP-${String(i + 1).padStart(3, '0')}`,
  name,
  description: `${name} from the Shipshape chandlery.`,
  priceCents,
  currency: 'USD',
  stock: 50 + i * 10,
}));

export async function seed(databaseUrl: string): Promise<{ users: number; products: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let users = 0;
    let products = 0;
    for (const u of SEED_USERS) {
      const r = await client.query(
        'INSERT INTO users.users (id, name, email) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [u.id, u.name, u.email],
      );
      users += r.rowCount ?? 0;
    }
    for (const p of SEED_PRODUCTS) {
      const r = await client.query(
        'INSERT INTO catalog.products (id, sku, name, description, price_cents, currency, stock) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING',
        [p.id, p.sku, p.name, p.description, p.priceCents, p.currency, p.stock],
      );
      products += r.rowCount ?? 0;
    }
    return { users, products };
  } finally {
    await client.end();
  }
}

if (import.meta.main) {
  try {
    const n = await seed(databaseUrlFromEnv());
    console.log(`seed: inserted ${n.users} users and ${n.products} products (existing rows kept)`);
  } catch (err) {
    const e = err as Error & { code?: string };
    console.error(
      `seed failed: ${err instanceof ConfigError ? e.message : `${e.code ?? ''} ${e.message}`.trim()} (run npm run migrate first?)`,
    );
    process.exit(1);
  }
}
