/** The manage token of each booking, derived from the booking id and a key only the service holds. */
export interface ManageTokens {
  /** Booking `bookingId`'s manage token: always the same for that booking, unguessable without the key. */
  forBooking(bookingId: number): string;
}
