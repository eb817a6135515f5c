/** Secret keys the service holds itself, the same for every instance and across restarts. */
export interface ServiceKeys {
  /** The 256-bit key named `name`: made at its first use; every later call, on any instance, gets the same one. */
  obtain(name: string): Promise<Buffer>;
}
