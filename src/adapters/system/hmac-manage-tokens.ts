import { createHmac } from 'node:crypto';
import { ManageTokens } from '../../application/ports/manage-tokens';

/**
 * Manage tokens as HMAC-SHA256 of the booking id under a 256-bit key: the outbox can put a customer's link in a
 * message at any later time, and an idempotent replay can repeat a 201, without any token being stored.
 */
export class HmacManageTokens implements ManageTokens {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new RangeError('a manage token key has at least 256 bits');
  }

  forBooking(bookingId: number): string {
    return `mt_${createHmac('sha256', this.key).update(`manage-token:${bookingId}`).digest('base64url')}`;
  }
}
