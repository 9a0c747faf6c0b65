import { getSchemaPath } from '@nestjs/swagger';
import { AuthTokenResponseModel, MidnightError, OAuth2AuthTokenRequestModel } from './midnight-token.dto.js';

/** Swagger for POST /v1/Token/OAuth2/AuthorizationCode: JSON and XML, each with its own examples. */

const NS = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';
const JSON_TYPES = ['application/json', 'text/json'];
const XML_TYPES = ['application/xml', 'text/xml'];

function content(schema: object, json: unknown, xml: string) {
  return {
    ...Object.fromEntries(JSON_TYPES.map((type) => [type, { schema, example: json }])),
    ...Object.fromEntries(XML_TYPES.map((type) => [type, { schema, example: xml }])),
  };
}

function examples(schema: object, cases: Record<string, { summary: string; json: unknown; xml: string }>) {
  const pick = (format: 'json' | 'xml') => Object.fromEntries(Object.entries(cases).map(([name, c]) => [name, { summary: c.summary, value: c[format] }]));
  return {
    ...Object.fromEntries(JSON_TYPES.map((type) => [type, { schema, examples: pick('json') }])),
    ...Object.fromEntries(XML_TYPES.map((type) => [type, { schema, examples: pick('xml') }])),
  };
}

export const MIDNIGHT_REQUEST_BODY = {
  required: true,
  description:
    'OAuth2AuthTokenRequestModel, every field required. JSON property names match without regard to case; the XML root is ' +
    '<OAuth2AuthTokenRequestModel> (xmlns:xsi / xmlns:xsd declarations allowed). A form body is refused with 415, as the vendor does.',
  content: content(
    { $ref: getSchemaPath(OAuth2AuthTokenRequestModel) },
    {
      Domain: 'contoso',
      AuthorizationCode: 'SplxlOBeZQQYbYS6WxSbIA',
      CodeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      RedirectUri: 'https://app.example.com/callback',
      UserPoolWebClientId: 'midnight-web',
    },
    `<OAuth2AuthTokenRequestModel ${NS}><Domain>contoso</Domain><AuthorizationCode>SplxlOBeZQQYbYS6WxSbIA</AuthorizationCode>` +
      '<CodeVerifier>dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk</CodeVerifier><RedirectUri>https://app.example.com/callback</RedirectUri>' +
      '<UserPoolWebClientId>midnight-web</UserPoolWebClientId></OAuth2AuthTokenRequestModel>',
  ),
};

export const MIDNIGHT_OK = {
  status: 200,
  description:
    'AuthTokenResponseModel, fields in this order; JSON or XML by Accept (else the request body\'s format). XML has no declaration ' +
    'and no indentation. Cache-Control: no-store, Pragma: no-cache.',
  content: content(
    { $ref: getSchemaPath(AuthTokenResponseModel) },
    { access_token: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9...', refresh_token: 'tGzv3JOkF0XG5Qx2TlKWIA', token_type: 'Bearer', expires_in: 3600, Name: 'Ada Lovelace' },
    `<AuthTokenResponseModel ${NS}><access_token>eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9...</access_token><refresh_token>tGzv3JOkF0XG5Qx2TlKWIA</refresh_token>` +
      '<token_type>Bearer</token_type><expires_in>3600</expires_in><Name>Ada Lovelace</Name></AuthTokenResponseModel>',
  ),
};

const ERROR = { $ref: getSchemaPath(MidnightError) };

export const MIDNIGHT_BAD_REQUEST = {
  status: 400,
  description:
    'Validation (ModelState: one key per failed field, all at once), or a refused exchange: an invalid, expired or used code, a wrong ' +
    'CodeVerifier or RedirectUri, an unknown client or one of another profile, a Domain that is not the client\'s.',
  content: examples(ERROR, {
    validation: {
      summary: 'Missing fields',
      json: { Message: 'The request is invalid.', ModelState: { 'model.Domain': ['The Domain field is required.'], 'model.CodeVerifier': ['The CodeVerifier field is required.'] } },
      xml:
        '<Error><Message>The request is invalid.</Message><ModelState><model.Domain>The Domain field is required.</model.Domain>' +
        '<model.CodeVerifier>The CodeVerifier field is required.</model.CodeVerifier></ModelState></Error>',
    },
    code: {
      summary: 'A bad code',
      json: { Message: 'The authorization code is invalid.' },
      xml: '<Error><Message>The authorization code is invalid.</Message></Error>',
    },
    domain: {
      summary: 'Domain is not the client\'s',
      json: { Message: 'The domain does not match the client.' },
      xml: '<Error><Message>The domain does not match the client.</Message></Error>',
    },
  }),
};

export const MIDNIGHT_NOT_ACCEPTABLE = {
  status: 406,
  description: 'Accept names neither JSON nor XML (answered in JSON).',
  content: { 'application/json': { schema: ERROR, example: { Message: 'None of the media types in the Accept header can be produced.' } } },
};

export const MIDNIGHT_UNSUPPORTED = {
  status: 415,
  description: 'A body that is neither JSON nor XML, a form included.',
  content: examples(ERROR, {
    form: {
      summary: 'A form body',
      json: { Message: "The request entity's media type 'application/x-www-form-urlencoded' is not supported for this resource." },
      xml: "<Error><Message>The request entity's media type 'application/x-www-form-urlencoded' is not supported for this resource.</Message></Error>",
    },
  }),
};

export const MIDNIGHT_SERVER_ERROR = {
  status: 500,
  description: 'An unexpected failure (the detail is logged only).',
  content: examples(ERROR, {
    error: { summary: 'Unexpected failure', json: { Message: 'An error has occurred.' }, xml: '<Error><Message>An error has occurred.</Message></Error>' },
  }),
};
