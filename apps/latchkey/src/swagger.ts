import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version in the project's package.json, found from source and from dist alike. */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'latchkey' && pkg.version) return pkg.version;
    }
  }
  return '0.0.0';
}
const version = packageVersion();

/**
 * The headers of Swagger UI's pages (/docs and its assets). Swagger UI runs its own
 * scripts, from this origin only ('self', no inline script); its stylesheet has inline
 * <style> blocks and style attributes ('unsafe-inline' for styles only); images are its
 * own or data: URIs; "Try it out" calls this origin or the issuer's. No frame may embed
 * it, no referrer leaves it, and no spec may be loaded from elsewhere (?url=).
 */
export function docsPageHeaders(issuer: string): Record<string, string> {
  const issuerOrigin = URL.canParse(issuer) ? new URL(issuer).origin : '';
  return {
    'content-security-policy':
      `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; ` +
      `connect-src 'self' ${issuerOrigin}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`.replace(' ;', ';'),
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
  };
}

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setupSwagger(app: NestFastifyApplication, issuer: string) {
  const headers = docsPageHeaders(issuer);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      const path = request.url.split('?', 1)[0]!;
      if (path === '/docs' || path.startsWith('/docs/')) void reply.headers(headers);
      else if (path === '/docs-json' || path === '/docs-yaml') void reply.header('x-content-type-options', 'nosniff');
    });
  const config = new DocumentBuilder()
    .setTitle('Latchkey')
    .setDescription(
      'OAuth 2.0 / OpenID Connect authorization server: the standard endpoints, four vendor token ' +
        'dialects on one core, and the admin API.',
    )
    .setVersion(version)
    .addServer(issuer)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, or an access token with scope admin' }, 'admin')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
