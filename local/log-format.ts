/** Formats function log lines for a terminal: Powertools JSON becomes one short line. */
export function formatLogLine(functionName: string, line: string): string {
  const short = functionName.replace(/^Quartermaster-(Api)?/, '').replace(/[0-9A-F]{8}$/, '');
  try {
    const entry = JSON.parse(line) as {
      level?: string;
      message?: string;
      correlationId?: string;
      status?: number;
      detail?: string;
      error?: unknown;
    };
    const error = describeError(entry.error);
    const extra = [
      entry.correlationId ? `correlationId=${entry.correlationId}` : '',
      entry.status ? `status=${entry.status}` : '',
      entry.detail ? `detail="${entry.detail}"` : '',
      error ? `error="${error}"` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return `${new Date().toISOString().slice(11, 19)} ${short.padEnd(12)} ${(entry.level ?? '').padEnd(5)} ${entry.message ?? line} ${extra}`.trimEnd();
  } catch {
    return `${new Date().toISOString().slice(11, 19)} ${short.padEnd(12)} ${line}`;
  }
}

/**
 * The cause a log entry gives: handlers log `error` as a plain string (`(error as Error).message`)
 * or as an Error, which Powertools serializes to `{ name, message, stack }`. Either must show, or a
 * "will be retried" line hides why.
 */
function describeError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error === null || typeof error !== 'object')
    return error === undefined || error === null ? '' : String(error);
  const { name, message } = error as { name?: unknown; message?: unknown };
  const parts = [
    typeof name === 'string' && name !== 'Error' ? name : '',
    typeof message === 'string' ? message : '',
  ];
  return parts.filter(Boolean).join(': ') || JSON.stringify(error);
}
