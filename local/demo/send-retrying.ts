/**
 * Demo seeding goes through the real API, so it meets whatever the runtime was started with,
 * injected faults (QM_FAULTS) included: a 5xx or a 429 is transient, and a client retries it with
 * the same request (same Idempotency-Key; PUTs and sequenced syncs are idempotent) as any sales
 * channel must. Anything else is an answer.
 */
export interface RetryOptions {
  /** Tries in all, the first included; default 8 (at a 30% fault rate, 7 failures in a row ≈ 2e-4). */
  attempts?: number;
  /** Wait before retry `n` (1-based); default 100 ms doubling, at most 2 s. */
  backoffMs?: (retry: number) => number;
}

const isTransient = (status: number) => status >= 500 || status === 429;

/**
 * Sends `init` to `url` until it gets an answer that is not transient (returned, whatever its
 * status), or the attempts run out (throws naming `what` and the last status or network error).
 */
export async function sendRetrying(
  what: string,
  url: string,
  init: RequestInit,
  options: RetryOptions = {},
): Promise<Response> {
  const attempts = options.attempts ?? 8;
  const backoff = options.backoffMs ?? ((retry: number) => Math.min(2000, 100 * 2 ** (retry - 1)));
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, backoff(attempt - 1)));
    try {
      const response = await fetch(url, init);
      if (!isTransient(response.status)) return response;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
  }
  throw new Error(`${what} failed after ${attempts} attempts, the last with ${last}`);
}
