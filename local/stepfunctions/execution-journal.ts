import { createHash } from 'node:crypto';

/**
 * What an execution's Task (and Wait) states did, kept with the execution so a restarted local
 * runtime can resume it where it was, as Step Functions does. aws-local-stepfunctions cannot
 * checkpoint a run, so a resumed execution is run again from its input and every step already
 * journalled is answered from the journal instead of being called again (the ASL is deterministic
 * given its task results): completed tasks return their recorded output or error, a task waiting for
 * its token waits again on the SAME token (the partner's callback still works), a Wait state sleeps
 * only what is left of its deadline. A step is identified by its state name, its effective input
 * and how many times that state already ran with that input (a loop re-running a state).
 */
export type JournalEntry =
  | { key: string; n: number; outcome: 'succeeded'; output: unknown }
  | { key: string; n: number; outcome: 'failed'; error: string; cause?: string }
  /** A `.waitForTaskToken` task whose call went out: its token is with the partner. */
  | { key: string; n: number; outcome: 'waiting'; token: string; startedAt: string }
  /** A Wait state sleeping until `until` (epoch ms). */
  | { key: string; n: number; outcome: 'sleeping'; until: number };

/** The key of one step: state name and effective input (the per-run token placeholder normalised). */
export function journalKey(stateName: string, input: unknown, tokenSentinel: string): string {
  const text = JSON.stringify(input ?? null)
    .split(tokenSentinel)
    .join('$$.Task.Token');
  return `${stateName}#${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}

/** Hands out occurrence numbers and the journalled entry (if any) for each step of a (re)run. */
export class JournalReplay {
  private readonly recorded = new Map<string, JournalEntry>();
  private readonly occurrences = new Map<string, number>();
  private unconsumed: number;

  constructor(entries: readonly JournalEntry[]) {
    for (const e of entries) this.recorded.set(`${e.key}@${e.n}`, e);
    this.unconsumed = this.recorded.size;
  }

  /** The next occurrence of this step and what the journal says about it. */
  next(key: string): { n: number; entry?: JournalEntry } {
    const n = (this.occurrences.get(key) ?? 0) + 1;
    this.occurrences.set(key, n);
    const entry = this.recorded.get(`${key}@${n}`);
    if (entry) this.unconsumed -= 1;
    return entry ? { n, entry } : { n };
  }

  /** True while the run is still re-tracing steps it had already taken (their history is on record). */
  get replaying(): boolean {
    return this.unconsumed > 0;
  }
}
