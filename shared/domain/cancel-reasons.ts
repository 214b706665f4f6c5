/** Why a channel or ops cancel an order or some of its units (`POST /orders/{id}/cancel`). */
export const CANCEL_REASONS = [
  'customer-request',
  'fraud-suspected',
  'payment-failed',
  'out-of-stock',
  'duplicate-order',
  'address-undeliverable',
  'other',
] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/**
 * A pickup the customer did not collect by its `pickupBy` (the not-collected sweep): the system's
 * reason, never a channel's (a channel that wants to cancel a ready pickup says customer-request).
 */
export const NOT_COLLECTED = 'not-collected';
