import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { formatOfContentType, readBody, UnreadableBody, type BodyFormat } from '@latchkey/negotiation';

declare module 'fastify' {
  interface FastifyRequest {
    /** The format the body was parsed from (set by the parsers below). */
    bodyFormat?: BodyFormat;
    /** XML bodies: the root element's name. */
    xmlRoot?: string;
  }
}

/**
 * JSON (application/json, text/json), XML (application/xml, text/xml) and form bodies,
 * parsed by libs/negotiation into plain records; the format is noted on the request.
 * (Nest runs a parser of fewer than three parameters as a promise: they must be async.)
 * Nothing fails before the route: a body that cannot be read becomes an `UnreadableBody`
 * (malformed → 400, any other content type → 415), which each endpoint answers in its own
 * shape. Bodies over the 64 KiB limit are refused by Fastify with 413 before any parser.
 */
export function registerBodyParsers(app: NestFastifyApplication) {
  for (const contentType of ['application/json', 'text/json', 'application/xml', 'text/xml', 'application/x-www-form-urlencoded']) {
    const format = formatOfContentType(contentType)!;
    app.useBodyParser(contentType, {}, async (req: { bodyFormat?: BodyFormat; xmlRoot?: string }, raw: Buffer) => {
      req.bodyFormat = format;
      const body = readBody(format, raw);
      if (body instanceof UnreadableBody) return body;
      if (body.root) req.xmlRoot = body.root;
      return body.fields;
    });
  }
  app.useBodyParser(
    '*',
    {},
    async (req: { headers: Record<string, string | string[] | undefined> }) =>
      new UnreadableBody('unsupported_media_type', "The request body's content type is not supported.", String(req.headers['content-type'] ?? '')),
  );
}
