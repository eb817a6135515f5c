import { ManageLinks } from '../../application/ports/manage-links';
import { ManageTokens } from '../../application/ports/manage-tokens';

/** Links to `GET /manage/{id}?token=` under PUBLIC_URL; none without it. */
export class PublicManageLinks implements ManageLinks {
  private readonly base: string | null;

  constructor(
    publicUrl: string | undefined,
    private readonly tokens: ManageTokens,
  ) {
    this.base = publicUrl ? publicUrl.replace(/\/+$/, '') : null;
  }

  pageOf(bookingId: number): string | null {
    if (this.base === null) return null;
    return `${this.base}/manage/${bookingId}?token=${encodeURIComponent(this.tokens.forBooking(bookingId))}`;
  }
}
