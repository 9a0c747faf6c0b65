// ecdsa-sig-formatter ships no types (and has no @types package): the two functions it exports.
declare module 'ecdsa-sig-formatter' {
  /** DER ECDSA-Sig-Value to the JOSE R || S form (RFC 7518 §3.4), base64url-encoded. */
  export function derToJose(signature: Buffer | string, alg: 'ES256' | 'ES384' | 'ES512'): string;
  /** The JOSE R || S form (a Buffer, or base64url) to DER. */
  export function joseToDer(signature: Buffer | string, alg: 'ES256' | 'ES384' | 'ES512'): Buffer;
  const formatter: { derToJose: typeof derToJose; joseToDer: typeof joseToDer };
  export default formatter;
}
