/** Where a customer manages a booking: its page, with the booking's manage token. */
export interface ManageLinks {
  /** The manage page of booking `bookingId`, token included; null when the service has no public address. */
  pageOf(bookingId: number): string | null;
}
