// Slugs: the title in lower-case ASCII words joined by hyphens; a random suffix when the plain one is taken.
import { randomBytes } from 'node:crypto';

const MAX = 80;

export function slugify(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = words.slice(0, MAX).replace(/-+$/g, '');
  return cut || 'article';
}

/** `base` plus a short random suffix: what a second article with the same title gets. */
export const withSuffix = (base: string) => `${base}-${randomBytes(5).toString('hex')}`;

/** Tags as stored and returned: trimmed, without duplicates, sorted. */
export const normaliseTags = (tags: readonly string[]): string[] =>
  [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))].sort();
