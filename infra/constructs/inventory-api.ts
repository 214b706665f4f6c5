import { Construct } from 'constructs';
import { INVENTORY_INDEXES } from '../../shared/adapters/aws/inventory-keys.ts';
import type { Api } from './api.ts';

/**
 * Locations, inventory positions, availability, soft holds and allocation: routes on the same REST
 * API, each function with only the table actions its use case performs.
 */
export class InventoryApi extends Construct {
  constructor(scope: Construct, id: string, props: { api: Api }) {
    super(scope, id);
    const { api } = props;
    const locationsIndex = [INVENTORY_INDEXES.locations];
    const read = { service: 'inventory-api' };

    api.addRoute('PUT', '/locations/{locationId}', {
      ...read,
      name: 'PutLocation',
      entry: 'functions/api/put-location.ts',
      description: 'PUT /locations/{locationId}: create or replace a location',
      tableActions: ['GetItem', 'PutItem'],
    });
    api.addRoute('GET', '/locations/{locationId}', {
      ...read,
      name: 'GetLocation',
      entry: 'functions/api/get-location.ts',
      description: 'GET /locations/{locationId}: the location and its capacity today',
      // BatchGetItem: the capacity counter of the location's day (shared with allocation's reads).
      tableActions: ['GetItem', 'BatchGetItem'],
    });
    api.addRoute('GET', '/locations', {
      ...read,
      name: 'ListLocations',
      entry: 'functions/api/list-locations.ts',
      description: 'GET /locations',
      tableActions: ['Query'],
      indexes: locationsIndex,
    });
    api.addRoute('PUT', '/inventory/{sku}/{locationId}', {
      ...read,
      name: 'SyncInventory',
      entry: 'functions/api/sync-inventory.ts',
      description: 'PUT /inventory/{sku}/{locationId}: absolute sync from a WMS/POS',
      tableActions: ['GetItem', 'UpdateItem', 'Query'],
    });
    api.addRoute('POST', '/inventory/adjustments', {
      ...read,
      name: 'AdjustInventory',
      entry: 'functions/api/adjust-inventory.ts',
      description: 'POST /inventory/adjustments: deltas with reasons, all or nothing',
      tableActions: ['GetItem', 'Query', 'UpdateItem', 'PutItem', 'ConditionCheckItem'],
    });
    api.addRoute('GET', '/inventory/{sku}', {
      ...read,
      name: 'GetInventory',
      entry: 'functions/api/get-inventory.ts',
      description: 'GET /inventory/{sku}: network view',
      tableActions: ['GetItem', 'Query'],
      indexes: locationsIndex,
    });
    api.addRoute('GET', '/availability', {
      ...read,
      name: 'GetAvailability',
      entry: 'functions/api/get-availability.ts',
      description: 'GET /availability: ATS per SKU and pickup stores nearby',
      tableActions: ['GetItem', 'Query'],
      indexes: locationsIndex,
    });
    api.addRoute('POST', '/reservations', {
      ...read,
      name: 'CreateHold',
      entry: 'functions/api/create-hold.ts',
      description: 'POST /reservations: a soft hold with a TTL',
      tableActions: ['GetItem', 'Query', 'UpdateItem', 'PutItem', 'ConditionCheckItem'],
      indexes: locationsIndex,
    });
    api.addRoute('DELETE', '/reservations/{holdId}', {
      ...read,
      name: 'ReleaseHold',
      entry: 'functions/api/release-hold.ts',
      description: 'DELETE /reservations/{holdId}',
      tableActions: ['GetItem', 'Query', 'UpdateItem', 'PutItem'],
    });
    api.addRoute('POST', '/orders/{orderId}/allocate', {
      ...read,
      name: 'AllocateOrder',
      entry: 'functions/api/allocate-order.ts',
      description: 'POST /orders/{orderId}/allocate: source and reserve',
      // BatchGetItem: today's capacity counters of the locations holding the stock.
      tableActions: ['GetItem', 'BatchGetItem', 'Query', 'UpdateItem', 'PutItem', 'ConditionCheckItem'],
      indexes: locationsIndex,
    });
  }
}
