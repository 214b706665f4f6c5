import type { ShippingCostModel } from './types.ts';

/** Carrier cost paid once per shipment over `distanceKm`, integer minor units. */
export function shipmentShippingCost(model: ShippingCostModel, distanceKm: number): number {
  return Math.max(0, Math.round(model.perShipment + model.perShipmentPerKm * distanceKm));
}

/** Carrier cost per unit over `distanceKm`, integer minor units (rounded once so cost stays linear in units). */
export function unitShippingCost(model: ShippingCostModel, distanceKm: number): number {
  return Math.max(0, Math.round(model.perUnit + model.perUnitPerKm * distanceKm));
}
