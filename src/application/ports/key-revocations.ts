/**
 * Tells a process whether what it has read of API keys may be kept: any revocation, made by this process or by
 * another one (another instance, the command-line tool), changes the generation.
 */
export interface KeyRevocations {
  /**
   * A number that changes whenever a key may have been revoked since the last call; null while that cannot be
   * known (then nothing read about keys may be kept).
   */
  generation(): number | null;
  /** This process has just committed a revocation. */
  revokedHere(): void;
}
