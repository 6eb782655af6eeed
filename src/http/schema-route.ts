import { Hono } from 'hono';
import { isPublishedSchema, PUBLISHED_SCHEMAS, publishedSchema, type PublishedSchema } from '../rules/published-schemas.js';
import { jsonError } from '../web/errors.js';

/**
 * GET /schema/NAME.schema.json: the JSON Schemas rule files point their editor at, so a folder
 * outside this repository (/etc/router/rules) can write
 * `# yaml-language-server: $schema=http://router:3000/schema/rules.schema.json`. Public, like
 * the README: they hold no secret. Built once per process (the timezone list is this runtime's).
 */
export function schemaRoute(): Hono {
  const route = new Hono();
  const texts = new Map<string, string>();
  const names = PUBLISHED_SCHEMAS.map((n) => `${n}.schema.json`).join(', ');
  route.get('/:file', (c) => {
    const file = c.req.param('file');
    if (!isPublishedSchema(file)) return jsonError(c, 404, 'not-found', `no schema ${file}: the schemas are ${names}`);
    let text = texts.get(file);
    if (text === undefined) {
      text = JSON.stringify(publishedSchema(file.replace('.schema.json', '') as PublishedSchema), null, 2);
      texts.set(file, text);
    }
    return c.body(text, 200, { 'content-type': 'application/schema+json', 'cache-control': 'public, max-age=3600' });
  });
  route.all('/:file', (c) => jsonError(c, 405, 'method-not-allowed', 'use GET for /schema'));
  return route;
}
