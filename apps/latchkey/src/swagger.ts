import type { INestApplication } from '@nestjs/common';
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

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setupSwagger(app: INestApplication, issuer: string) {
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
