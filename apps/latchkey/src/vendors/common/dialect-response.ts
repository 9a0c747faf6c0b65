import type { XmlDocument } from '@latchkey/negotiation';

/** One answer of a dialect in both of its representations; negotiation picks one. */
export interface DialectBody {
  json: unknown;
  xml: XmlDocument;
}

export interface DialectResponse {
  status: number;
  body: DialectBody;
  headers?: Record<string, string>;
}

/** Headers every token response carries (RFC 6749 §5.1). */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;
