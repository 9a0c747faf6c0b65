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

/** type "/" subtype, as RFC 9110 §8.3.1 and Fastify's parser read them. */
const MEDIA_TYPE = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*$/;

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
 * that no size answers with Fastify's own error: a body is refused as soon as its
 * Content-Length, or what arrived of a chunked one, passes the limit; its rest is dropped
 * as it comes (see readLimited).
 */
export function registerBodyParsers(app: NestFastifyApplication, limit: number) {
  const fastify = app.getHttpAdapter().getInstance();
  // Declared up front (Fastify's decorators), so that every request object is built with
  // these properties: set later, only on some requests, they would give V8 one hidden
  // class per kind of body, and every site that reads a request several.
  fastify.decorateRequest('bodyFormat', undefined);
  fastify.decorateRequest('xmlRoot', undefined);
  fastify.decorateRequest('bodyLeftUnread', undefined);
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
    // Read and dropped, so that the connection stays usable.
    await readLimited(request, payload, limit);
    return new UnreadableBody('unsupported_media_type', "The request body's content type is not supported.", String(request.headers['content-type'] ?? ''));
  });
  // Fastify answers a Content-Type that is not a media type (";;;", "application/") with
  // its own 415 before any parser or route: such a header is read as an unknown type, so
  // that the catch-all parser marks it and the endpoint answers 415 in its own shape.
  fastify.addHook('onRequest', async (request) => {
    const contentType = request.headers['content-type'];
    if (typeof contentType === 'string' && !MEDIA_TYPE.test(contentType.split(';', 1)[0]!)) {
      request.headers['content-type'] = 'application/octet-stream';
    }
  });
  fastify.addHook('onSend', async (request, reply) => {
    if (request.bodyLeftUnread) void reply.header('connection', 'close');
  });
}

/**
 * How much of a body over the limit is read and dropped after the 413, so that the client,
 * still sending, can read the answer and keep its connection; beyond it (declared or
 * sent) the connection is closed.
 */
const DISCARD_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * The body, or null as soon as it is known to be larger than `limit` bytes. The rest of an
 * oversized body is then read and dropped (up to DISCARD_LIMIT_BYTES, after which the
 * socket is destroyed); one declared larger than that is not read at all and the request
 * is marked so that the answer closes the connection.
 */
function readLimited(request: FastifyRequest, payload: Readable, limit: number): Promise<Buffer | null> {
  const declared = Number(request.headers['content-length']);
  if (declared > DISCARD_LIMIT_BYTES) {
    request.bodyLeftUnread = true;
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let tooLarge = declared > limit;
    if (tooLarge) resolve(null);
    const cleanup = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buffer.length;
      if (received > DISCARD_LIMIT_BYTES) {
        cleanup();
        request.raw.destroy();
      } else if (received > limit) {
        if (!tooLarge) {
          tooLarge = true;
          chunks.length = 0;
          resolve(null);
        }
      } else {
        chunks.push(buffer);
      }
    };
    const onEnd = () => {
      cleanup();
      if (!tooLarge) resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      cleanup();
      if (!tooLarge) reject(Object.assign(error, { statusCode: 400 }));
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}
