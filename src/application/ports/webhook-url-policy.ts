export interface WebhookUrlPolicy {
  /**
   * Throws ValidationError when the URL may not receive webhooks: not http(s), or a host that resolves to a
   * loopback, private, link-local or unique-local address (unless such targets are allowed).
   */
  assertAllowed(url: string): Promise<void>;
}
