import { monotonicFactory } from 'ulid';

/** Time-ordered identifiers: ULIDs sort by creation time, which keys and cursors rely on. */
export interface IdGenerator {
  orderId(): string;
  eventId(): string;
}

export function ulidIdGenerator(): IdGenerator {
  const next = monotonicFactory();
  return {
    orderId: () => `ord_${next()}`,
    eventId: () => next(),
  };
}
