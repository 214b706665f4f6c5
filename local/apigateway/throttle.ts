/** Token bucket, as API Gateway throttles: `rateLimit` tokens per second, at most `burstLimit` stored. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly rateLimit: number,
    private readonly burstLimit: number,
  ) {
    this.tokens = Math.max(burstLimit, 1);
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(
      Math.max(this.burstLimit, 1),
      this.tokens + ((now - this.last) / 1000) * this.rateLimit,
    );
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Usage-plan quota per key and period (UTC calendar day, ISO week from Monday, calendar month). */
export class QuotaCounter {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly period: 'DAY' | 'WEEK' | 'MONTH',
  ) {}

  take(key: string, now = new Date()): boolean {
    const bucket = `${key}|${periodStart(this.period, now)}`;
    const used = this.counts.get(bucket) ?? 0;
    if (used >= this.limit) return false;
    this.counts.set(bucket, used + 1);
    return true;
  }
}

function periodStart(period: 'DAY' | 'WEEK' | 'MONTH', now: Date): string {
  const day = now.toISOString().slice(0, 10);
  if (period === 'DAY') return day;
  if (period === 'MONTH') return day.slice(0, 7);
  const monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  return monday.toISOString().slice(0, 10);
}
