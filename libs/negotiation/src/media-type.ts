/** The body formats the token endpoints speak. */
export type BodyFormat = 'json' | 'xml' | 'form';

const FORMAT_OF: Record<string, BodyFormat> = {
  'application/json': 'json',
  'text/json': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/x-www-form-urlencoded': 'form',
};

/** The format of a Content-Type header value, ignoring parameters (charset) and case. */
export function formatOfContentType(contentType: string | undefined): BodyFormat | undefined {
  if (!contentType) return undefined;
  return FORMAT_OF[contentType.split(';')[0]!.trim().toLowerCase()];
}

export const JSON_MEDIA_TYPES = ['application/json', 'text/json'];
export const XML_MEDIA_TYPES = ['application/xml', 'text/xml'];
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';
