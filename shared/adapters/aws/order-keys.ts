/**
 * Single-table key design (docs/data-model.md documents every access pattern). Keys are built only
 * here so the repository, the docs and the tests agree.
 */
export const ORDER_INDEXES = {
  byCustomer: 'GSI1',
  byStatus: 'GSI2',
  byChannel: 'GSI3',
} as const;

/**
 * Sparse index of open shipments (REQUESTED/ACCEPTED) by location, oldest request first: a partner
 * catching up lists what it still has to ship (GET /fulfillments?status=open). A shipment carries
 * GSI4PK/GSI4SK only while it is open, so it leaves the index when it ships, is rejected or closes.
 */
/**
 * GSI4 is sparse and holds two kinds of shipment: open ones per location (`OPENSHIPMENTS#loc`), and
 * pickups waiting at a counter by collection deadline (`PICKUPSDUE`), which the not-collected sweep reads.
 */
export const SHIPMENT_INDEXES = { openByLocation: 'GSI4', pickupsDue: 'GSI4' } as const;

export const keys = {
  order: (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'ORDER' }),
  historyPrefix: 'HISTORY#',
  /**
   * `version` is the order version the entry is written with: two writes of one order in the same
   * millisecond (each a new version) must not claim the same key and fail each other's condition.
   */
  history: (orderId: string, at: string, seq: number, version?: number) => ({
    PK: `ORDER#${orderId}`,
    SK: `HISTORY#${at}#${version === undefined ? '' : `${String(version).padStart(10, '0')}#`}${String(seq).padStart(4, '0')}`,
  }),
  outbox: (orderId: string, eventId: string) => ({ PK: `ORDER#${orderId}`, SK: `OUTBOX#${eventId}` }),
  idempotency: (channel: string, key: string) => ({ PK: `IDEMPOTENCY#${channel}#${key}`, SK: 'IDEMPOTENCY' }),
  externalId: (channel: string, externalId: string) => ({
    PK: `EXTERNALID#${channel}#${externalId}`,
    SK: 'EXTERNALID',
  }),
  /** Sort key shared by the three order GSIs: newest-first listing by creation time. */
  orderSort: (createdAt: string, orderId: string) => `${createdAt}#${orderId}`,
  byCustomer: (customerId: string) => `CUSTOMER#${customerId}`,
  byStatus: (status: string) => `STATUS#${status}`,
  byChannel: (channel: string) => `CHANNEL#${channel}`,
  openShipmentsAt: (locationId: string) => `OPENSHIPMENTS#${locationId}`,
  /** Sorted by request time; the shipment id makes it unique, so one key orders every location. */
  openShipmentSort: (requestedAt: string, shipmentId: string) => `${requestedAt}#${shipmentId}`,
  /**
   * Ready pickups (and not-collected ones still settling) by deadline. One partition: an item enters
   * at ready-for-pickup and leaves at collection, far below a partition's write limit.
   */
  pickupsDue: 'PICKUPSDUE',
  pickupDueSort: (pickupBy: string, shipmentId: string) => `${pickupBy}#${shipmentId}`,
};

/** How long an Idempotency-Key is remembered. Longer than any sane client retry window. */
export const IDEMPOTENCY_RETENTION_DAYS = 30;
