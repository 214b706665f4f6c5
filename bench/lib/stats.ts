/** Percentile of an unsorted sample (nearest-rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** A one-line progress bar that rewrites itself on a terminal and prints sparingly otherwise. */
export function progress(label: string, done: number, total: number, extra = ''): void {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round((done / Math.max(total, 1)) * 100)}% ${extra}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
  else if (done === total || done % Math.max(1, Math.floor(total / 5)) === 0) console.log(line);
}

export function table(rows: Record<string, string | number>[]): string {
  const headers = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : v;
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => cell(r[h]!).length)));
  const fmt = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i]!)).join('  ');
  return [
    fmt(headers),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => fmt(headers.map((h) => cell(r[h]!)))),
  ].join('\n');
}
