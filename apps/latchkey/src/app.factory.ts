import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type LatchkeyEnvironment, resolveIssuer, trustProxySetting } from '@latchkey/config';
import { LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { AppModule } from './app.module.js';
import { registerBodyParsers } from './body-parsers.js';
import { HttpMetrics } from './observability/http-metrics.js';
import { loggableUrl } from './observability/loggable-url.js';
import { PinoLoggerService } from './observability/pino-logger.service.js';
import { setupSwagger } from './swagger.js';

/** Bodies above this get 413 (DESIGN.md §5). */
export const BODY_LIMIT_BYTES = 64 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the whole service, ready to listen. Used by main.ts and by the e2e suites, so
 * tests run exactly what production runs.
 */
export async function createLatchkeyApp(env: LatchkeyEnvironment): Promise<NestFastifyApplication> {
  const logger = pino({ level: env.LOG_LEVEL, base: { service: 'latchkey', pid: process.pid } });
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // One access-log line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Keep a caller's request id when it is sane, so one id follows a request across services.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    trustProxy: trustProxySetting(env),
    // No implicit HEAD twins of GET routes: a HEAD must not run a GET handler's side
    // effects (dressipi's out-of-band authorize creates a profile).
    exposeHeadRoutes: false,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(env), adapter, {
    logger: new PinoLoggerService(logger),
    // Every body is read by registerBodyParsers: size-capped, never failing before the route.
    bodyParser: false,
  });

  registerBodyParsers(app, BODY_LIMIT_BYTES);

  const metrics = app.get(HttpMetrics);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Graceful stop: a request still in flight when the server starts closing gets its
  // answer with Connection: close, so that its keep-alive socket closes with it. Otherwise
  // the socket, busy when the server closed its idle ones, stays open after the answer and
  // the process waits for the client's keep-alive to end (up to 72 s) before it exits.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.observe(request.method, route, reply.statusCode, seconds);
    request.log.info(
      { method: request.method, url: loggableUrl(request.url), route, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
      'request completed',
    );
  });

  setupSwagger(app, resolveIssuer(env));
  await app.init();
  return app;
}
