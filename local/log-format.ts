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
      error?: { message?: string };
    };
    const extra = [
      entry.correlationId ? `correlationId=${entry.correlationId}` : '',
      entry.status ? `status=${entry.status}` : '',
      entry.detail ? `detail="${entry.detail}"` : '',
      entry.error?.message ? `error="${entry.error.message}"` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return `${new Date().toISOString().slice(11, 19)} ${short.padEnd(12)} ${(entry.level ?? '').padEnd(5)} ${entry.message ?? line} ${extra}`.trimEnd();
  } catch {
    return `${new Date().toISOString().slice(11, 19)} ${short.padEnd(12)} ${line}`;
  }
}
