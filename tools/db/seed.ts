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

/**
 * Conduit (RealWorld) sample: people who can log in with these passwords, their articles, a follow, favorites.
 * The argon2id hashes are precomputed (conduit's profile), so seeding needs no hashing library in any image.
 */
export const SEED_CONDUIT_USERS = [
  {
    username: 'jake',
    email: 'jake@example.com',
    password: 'jakejake',
    hash: '$argon2id$v=19$m=19456,t=2,p=1$c3s6vNNMayeBviCwUD6jDw$VrCjPT9P3hX/4758sWltf5MG16zW5/UQ+6FGF+J0LaQ',
    bio: 'I work at statefarm',
  },
  {
    username: 'ada',
    email: 'ada@example.com',
    password: 'analytical-engine',
    hash: '$argon2id$v=19$m=19456,t=2,p=1$J3mXC4h2gbrUmF4Gz64Fdw$PPMQmmqkiwkyX1y/CXtGxlGc4wfEchSU7ilOtTktORo',
    bio: 'Notes on engines',
  },
  {
    username: 'grace',
    email: 'grace@example.com',
    password: 'nanoseconds',
    hash: '$argon2id$v=19$m=19456,t=2,p=1$8wJ0+w9allaydj0Ko2p1Uw$c79qRuzZueF4T8w8XcQpbxlGsi5Jsr8xwGsLRbUCZG0',
    bio: null,
  },
] as const;
export const SEED_CONDUIT_ARTICLES = [
  {
    slug: 'how-to-train-your-dragon',
    author: 'jake',
    title: 'How to train your dragon',
    description: 'Ever wonder how?',
    body: 'It takes a Jacobian.',
    tags: ['dragons', 'training'],
    favoritedBy: ['ada', 'grace'],
  },
  {
    slug: 'knots-every-sailor-knows',
    author: 'jake',
    title: 'Knots every sailor knows',
    description: 'Bowline, cleat hitch and reef knot',
    body: 'Start with the bowline: the rabbit comes out of the hole...',
    tags: ['sailing'],
    favoritedBy: ['ada'],
  },
  {
    slug: 'the-first-program',
    author: 'ada',
    title: 'The first program',
    description: 'Bernoulli numbers on the Analytical Engine',
    body: 'Note G describes an algorithm for the engine.',
    tags: ['history', 'programming'],
    favoritedBy: [],
  },
  {
    slug: 'a-bug-in-the-relay',
    author: 'grace',
    title: 'A bug in the relay',
    description: 'The first actual case of bug being found',
    body: 'Relay #70, panel F: a moth.',
    tags: ['history'],
    favoritedBy: ['jake'],
  },
] as const;

async function seedConduit(client: pg.Client): Promise<number> {
  for (const u of SEED_CONDUIT_USERS) {
    await client.query(
      'INSERT INTO conduit.users (username, email, password_hash, bio) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [u.username, u.email, u.hash, u.bio],
    );
  }
  let articles = 0;
  // Oldest first, a minute apart, so the list order is the one written here reversed.
  for (const [i, a] of SEED_CONDUIT_ARTICLES.entries()) {
    const r = await client.query(
      `INSERT INTO conduit.articles (slug, title, description, body, tag_list, author_id, created_at, updated_at)
       SELECT $1, $2, $3, $4, $5, id, t, t
       FROM conduit.users, date_trunc('milliseconds', now() - make_interval(mins => $7)) AS t
       WHERE username = $6
       ON CONFLICT (slug) DO NOTHING`,
      [a.slug, a.title, a.description, a.body, [...a.tags].sort(), a.author, SEED_CONDUIT_ARTICLES.length - i],
    );
    if (!r.rowCount) continue;
    articles += 1;
    for (const fan of a.favoritedBy) {
      await client.query(
        `WITH f AS (
           INSERT INTO conduit.favorites (user_id, article_id)
           SELECT u.id, a.id FROM conduit.users u, conduit.articles a WHERE u.username = $1 AND a.slug = $2
           ON CONFLICT DO NOTHING RETURNING article_id)
         UPDATE conduit.articles SET favorites_count = favorites_count + (SELECT count(*) FROM f) WHERE slug = $2`,
        [fan, a.slug],
      );
    }
  }
  await client.query(
    `INSERT INTO conduit.follows (follower_id, followee_id)
     SELECT f.id, t.id FROM conduit.users f, conduit.users t WHERE f.username = 'ada' AND t.username = 'jake'
     ON CONFLICT DO NOTHING`,
  );
  return articles;
}

export async function seed(databaseUrl: string): Promise<{ users: number; products: number; articles: number }> {
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
    const articles = await seedConduit(client);
    return { users, products, articles };
  } finally {
    await client.end();
  }
}

if (import.meta.main) {
  try {
    const n = await seed(databaseUrlFromEnv());
    console.log(
      `seed: inserted ${n.users} users, ${n.products} products and ${n.articles} conduit articles (existing rows kept)`,
    );
  } catch (err) {
    const e = err as Error & { code?: string };
    console.error(
      `seed failed: ${err instanceof ConfigError ? e.message : `${e.code ?? ''} ${e.message}`.trim()} (run npm run migrate first?)`,
    );
    process.exit(1);
  }
}
