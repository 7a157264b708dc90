// The gateway's JSON body parser. The gateway only relays bodies, so it checks what it must before calling anybody
// (a well-formed Content-Type, JSON that parses, a bounded nesting depth) and relays the text exactly as received:
// no parse-and-serialise round trip, which a deeply nested document would turn into a stack overflow.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import contentType from 'fast-content-type-parse';
import { Problem } from '@shipshape/platform/errors';

export const MAX_JSON_DEPTH = 64;

/** Requests whose body is JSON text checked here, to be relayed as it is. */
export const checkedJson = new WeakSet<FastifyRequest>();

const badRequest = (field: string, message: string) =>
  new Problem(400, 'validation-error', 'Bad Request', `request is invalid: ${field} ${message}`, {
    errors: [{ field, message }],
  });

/** The deepest nesting of arrays and objects in a JSON text, counted without parsing it (strings skipped). */
export function jsonDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > stopAbove) return deepest;
    } else if (c === 93 || c === 125) depth--;
  }
  return deepest;
}

/** Replaces Fastify's JSON parser: request.body becomes the checked JSON text. */
export function relayJsonBodies(app: FastifyInstance, bodyLimit: number): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      const header = request.headers['content-type'] ?? '';
      try {
        contentType.parse(header);
      } catch {
        done(badRequest('headers.content-type', 'is not a well-formed media type with parameters'));
        return;
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.length === 0) {
        done(null, undefined);
        return;
      }
      if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
        done(badRequest('body', `must not nest deeper than ${MAX_JSON_DEPTH} levels`));
        return;
      }
      try {
        JSON.parse(text);
      } catch {
        done(badRequest('body', 'is not valid JSON'));
        return;
      }
      checkedJson.add(request);
      done(null, text);
    },
  );
}
