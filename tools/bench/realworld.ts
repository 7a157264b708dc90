// The RealWorld (conduit) read scenarios need a page of 20 articles: the benchmark's own account fills the page up
// when the system holds fewer, and removes what it wrote afterwards. The account is reused across runs (conduit has
// no account deletion in its API).
import { callJson } from './http.ts';

const BENCH_USER = { username: 'shipshape-bench', email: 'bench@shipshape.invalid', password: 'shipshape-bench-pw' };
const PAGE = 20;

/** A RealWorld call: its tokens go in `Authorization: Token …`. */
const call = (method: string, url: string, body?: unknown, token?: string) =>
  callJson(method, url, body, token ? `Token ${token}` : undefined);

export interface ArticlePage {
  /** A slug on the first page, for the single-article scenario. */
  slug: string;
  /** Deletes the articles the benchmark wrote. */
  cleanup(): Promise<void>;
}

/** Makes sure GET /api/articles has a full page of 20; returns one slug of it. */
export async function ensureArticlePage(gateway: string): Promise<ArticlePage> {
  const api = `${gateway}/api`;
  const login = await call('POST', `${api}/users/login`, {
    user: { email: BENCH_USER.email, password: BENCH_USER.password },
  }).catch(() => call('POST', `${api}/users`, { user: BENCH_USER }));
  const token = String((login.user as { token?: unknown } | undefined)?.token ?? '');
  const page = await call('GET', `${api}/articles?limit=${PAGE}`);
  const count = Number(page.articlesCount ?? 0);
  const written: string[] = [];
  for (let i = count; i < PAGE; i++) {
    const made = await call(
      'POST',
      `${api}/articles`,
      {
        article: {
          title: `Benchmark article ${i + 1}`,
          description: 'A page of articles for the read benchmark; removed at the end.',
          body: 'Lorem ipsum '.repeat(100),
          tagList: ['benchmark', 'shipshape'],
        },
      },
      token,
    );
    written.push(String((made.article as { slug?: unknown }).slug));
  }
  const first = await call('GET', `${api}/articles?limit=${PAGE}`);
  const slug = String((first.articles as { slug?: unknown }[] | undefined)?.[0]?.slug ?? '');
  if (!slug) throw new Error('GET /api/articles returned no article to read');
  return {
    slug,
    cleanup: async () => {
      for (const s of written) await call('DELETE', `${api}/articles/${s}`, undefined, token);
    },
  };
}
