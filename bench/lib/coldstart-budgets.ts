import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface ColdStartBudget {
  bundleBytes: number;
  initMs: number;
}

/**
 * The budgets table of docs/coldstart.md (`| Function | Bundle ≤ KB | Init p50 ≤ ms |`), by function
 * name; `*` is the default. Read by bench:coldstart and by test/infra/bundle.test.ts.
 */
export function readColdStartBudgets(repoRoot: string): Map<string, ColdStartBudget> {
  const budgets = new Map<string, ColdStartBudget>();
  const doc = readFileSync(resolve(repoRoot, 'docs/coldstart.md'), 'utf8');
  for (const line of doc.split('\n')) {
    const cells = line
      .split('|')
      .map((c) => c.trim())
      .filter(Boolean);
    if (cells.length !== 3) continue;
    const [name, kb, ms] = cells as [string, string, string];
    const bundleKb = Number.parseFloat(kb);
    const initMs = Number.parseFloat(ms);
    if (Number.isNaN(bundleKb) || Number.isNaN(initMs)) continue;
    budgets.set(name.replaceAll('`', ''), { bundleBytes: bundleKb * 1024, initMs });
  }
  if (!budgets.has('*')) throw new Error('docs/coldstart.md has no default (*) budget row');
  return budgets;
}

export function budgetFor(budgets: Map<string, ColdStartBudget>, name: string): ColdStartBudget {
  return budgets.get(name) ?? budgets.get('*')!;
}
