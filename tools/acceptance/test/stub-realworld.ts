// The RealWorld (/api) part of the stub gateway: just enough of the specification, in memory, for the acceptance
// suite's RealWorld checks to pass against a system that follows it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Body = Record<string, unknown>;
interface Account {
  username: string;
  email: string;
  password: string;
  token: string;
}
interface Article {
  slug: string;
  title: string;
  description: string;
  body: string;
  tagList: string[];
  author: string;
  favoritedBy: Set<string>;
  comments: { id: number; body: string; author: string }[];
  createdAt: string;
}

export function realWorldStub(): (req: IncomingMessage, res: ServerResponse, url: URL, body: Body) => void {
  const accounts: Account[] = [];
  const articles = new Map<string, Article>();
  let nextComment = 1;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'access-control-allow-origin': '*',
    });
    res.end(JSON.stringify(body));
  };
  const errors = (res: ServerResponse, status: number, message: string) =>
    send(res, status, { errors: { body: [message] } });
  const viewer = (req: IncomingMessage) => {
    const token = /^Token (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return accounts.find((a) => a.token === token);
  };
  const profile = (username: string) => ({ username, bio: null, image: null, following: false });
  const present = (a: Article, who: Account | undefined) => ({
    slug: a.slug,
    title: a.title,
    description: a.description,
    body: a.body,
    tagList: a.tagList,
    createdAt: a.createdAt,
    updatedAt: a.createdAt,
    favorited: who ? a.favoritedBy.has(who.username) : false,
    favoritesCount: a.favoritedBy.size,
    author: profile(a.author),
  });

  return (req, res, url, body) => {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice('/api'.length);
    const who = viewer(req);
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET,POST,PUT,DELETE',
        'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? ''),
      });
      return void res.end();
    }
    const user = (body.user ?? {}) as Body;
    if (method === 'POST' && path === '/users') {
      const account = { ...(user as Omit<Account, 'token'>), token: randomUUID() };
      accounts.push(account);
      return send(res, 201, { user: { ...account, password: undefined, bio: null, image: null } });
    }
    if (method === 'POST' && path === '/users/login') {
      const account = accounts.find((a) => a.email === user.email && a.password === user.password);
      if (!account) return errors(res, 401, 'email or password is invalid');
      return send(res, 200, { user: { ...account, password: undefined, bio: null, image: null } });
    }
    if (method === 'GET' && path === '/user') {
      if (!who) return errors(res, 401, 'missing authorization credentials');
      return send(res, 200, { user: { ...who, password: undefined, bio: null, image: null } });
    }
    if (method === 'POST' && path === '/articles') {
      if (!who) return errors(res, 401, 'missing authorization credentials');
      const input = (body.article ?? {}) as Body;
      const a: Article = {
        slug: String(input.title)
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-'),
        title: String(input.title),
        description: String(input.description),
        body: String(input.body),
        tagList: [...((input.tagList as string[] | undefined) ?? [])].sort(),
        author: who.username,
        favoritedBy: new Set(),
        comments: [],
        createdAt: new Date().toISOString(),
      };
      articles.set(a.slug, a);
      return send(res, 201, { article: present(a, who) });
    }
    if (method === 'GET' && path === '/articles') {
      const author = url.searchParams.get('author');
      const list = [...articles.values()].filter((a) => !author || a.author === author);
      return send(res, 200, { articles: list.map((a) => present(a, who)), articlesCount: list.length });
    }
    const m = /^\/articles\/([^/]+)(\/favorite|\/comments)?$/.exec(path);
    if (m) {
      const a = articles.get(m[1] ?? '');
      if (!a) return errors(res, 404, 'article not found');
      if (m[2] === '/favorite' && method === 'POST') {
        if (!who) return errors(res, 401, 'missing authorization credentials');
        a.favoritedBy.add(who.username);
        return send(res, 200, { article: present(a, who) });
      }
      if (m[2] === '/comments' && method === 'POST') {
        if (!who) return errors(res, 401, 'missing authorization credentials');
        const c = { id: nextComment++, body: String(((body.comment ?? {}) as Body).body), author: who.username };
        a.comments.push(c);
        return send(res, 200, { comment: { ...c, author: profile(c.author) } });
      }
      if (m[2] === '/comments' && method === 'GET')
        return send(res, 200, { comments: a.comments.map((c) => ({ ...c, author: profile(c.author) })) });
      if (!m[2] && method === 'GET') return send(res, 200, { article: present(a, who) });
      if (!m[2] && method === 'DELETE') {
        if (!who) return errors(res, 401, 'missing authorization credentials');
        if (who.username !== a.author) return errors(res, 403, 'not yours');
        articles.delete(a.slug);
        return send(res, 200, {});
      }
    }
    return errors(res, 404, `no route for ${method} ${url.pathname}`);
  };
}
