/** A webhook URL that passed the policy, with the addresses its host was checked at. */
export interface VettedWebhookTarget {
  url: URL;
  /**
   * Connect to one of these, never to a fresh resolution of the host (it may answer differently by then). Null
   * when every address is allowed (private targets allowed): the host is then resolved as usual.
   */
  addresses: string[] | null;
}

export interface WebhookUrlPolicy {
  /**
   * Throws ValidationError when the URL may not receive webhooks: not http(s), or a host that resolves to a
   * loopback, private, link-local or unique-local address (unless such targets are allowed). Otherwise returns the
   * target with the addresses that were checked.
   */
  assertAllowed(url: string): Promise<VettedWebhookTarget>;
}
