/** Unguessable random values and one-way hashes of them. */
export interface Secrets {
  /** A url-safe random token of at least 128 bits. */
  token(prefix?: string): string;
  /** A stable one-way hash of a secret, safe to store and to look up by. */
  hash(secret: string): string;
}
