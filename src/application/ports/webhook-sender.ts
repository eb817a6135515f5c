export interface WebhookRequest {
  url: string;
  /** Each signs the request (one `v1=` apiece): the current secret first, then a rotated-out one still in its grace period. */
  secrets: string[];
  eventId: number;
  /** The JSON body, exactly as signed and sent. */
  body: string;
}

export interface WebhookResult {
  /** True for a 2xx answer in time. */
  delivered: boolean;
  statusCode: number | null;
  /** What went wrong, in words that name no address: the deliveries list shows it. */
  error: string | null;
}

export interface WebhookSender {
  /** POSTs one signed event and settles within its deadline; never throws for a failed delivery, it reports it. */
  send(request: WebhookRequest): Promise<WebhookResult>;
}
