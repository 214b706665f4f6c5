/** Objectives are integers; bounds are sums of fractions, so allow for rounding before comparing. */
export const integerBound = (bound: number) => Math.ceil(bound - 1e-6);
