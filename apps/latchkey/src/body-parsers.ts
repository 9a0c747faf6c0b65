import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BODY_TOO_LARGE_MESSAGE, formatOfContentType, readBody, UnreadableBody, type BodyFormat } from '@latchkey/negotiation';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';

declare module 'fastify' {
  interface FastifyRequest {
    /** The format the body was parsed from (set by the parsers below). */
    bodyFormat?: BodyFormat;
    /** XML bodies: the root element's name. */
    xmlRoot?: string;
    /** Set when the parser stopped reading the body: the response closes the connection. */
    bodyLeftUnread?: boolean;
  }
}

const PARSED_TYPES = ['application/json', 'text/json', 'application/xml', 'text/xml', 'application/x-www-form-urlencoded'];

/**
 * JSON (application/json, text/json), XML (application/xml, text/xml) and form bodies,
 * parsed by libs/negotiation into plain records; the format is noted on the request.
 * Nothing fails before the route: a body that cannot be read becomes an `UnreadableBody`
 * (malformed → 400, any other content type → 415, more than `limit` bytes → 413), which
 * each endpoint answers in its own shape (DESIGN.md §5).
 *
 * The parsers are Fastify's only ones (its built-in JSON and text parsers are removed, and
 * Nest is created with `bodyParser: false`) and read the request stream themselves, so
 * that no size answers with Fastify's own error: a Content-Length over the limit is
 * refused without reading anything, a chunked body as soon as it passes the limit. A body
 * left unread closes the connection after the answer.
 */
export function registerBodyParsers(app: NestFastifyApplication, limit: number) {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  for (const contentType of PARSED_TYPES) {
    const format = formatOfContentType(contentType)!;
    fastify.addContentTypeParser(contentType, async (request: FastifyRequest, payload: Readable) => {
      request.bodyFormat = format;
      const raw = await readLimited(request, payload, limit);
      if (raw === null) return new UnreadableBody('too_large', BODY_TOO_LARGE_MESSAGE);
      const body = readBody(format, raw);
      if (body instanceof UnreadableBody) return body;
      if (body.root) request.xmlRoot = body.root;
      return body.fields;
    });
  }
  fastify.addContentTypeParser('*', async (request: FastifyRequest, payload: Readable) => {
    // Read (and drop) a small body so that the connection stays usable; a large one is left unread.
    await readLimited(request, payload, limit);
    return new UnreadableBody('unsupported_media_type', "The request body's content type is not supported.", String(request.headers['content-type'] ?? ''));
  });
  fastify.addHook('onSend', async (request, reply) => {
    if (request.bodyLeftUnread) void reply.header('connection', 'close');
  });
}

/**
 * The body, or null when it is larger than `limit` bytes (then it is not read further and
 * the request is marked so that its connection closes after the answer).
 */
function readLimited(request: FastifyRequest, payload: Readable, limit: number): Promise<Buffer | null> {
  const declared = Number(request.headers['content-length']);
  if (declared > limit) {
    request.bodyLeftUnread = true;
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buffer.length;
      if (received > limit) {
        cleanup();
        request.bodyLeftUnread = true;
        resolve(null);
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(Object.assign(error, { statusCode: 400 }));
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}
