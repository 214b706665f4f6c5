import { readFileSync } from 'node:fs';

/** Linux clock ticks per second (USER_HZ); /proc/<pid>/stat counts CPU time in these. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) another process has used so far, all its threads, from /proc.
 * Undefined where /proc is not there (not Linux) or the process is gone.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU time (ms) of this whole process (every thread) and of its main thread alone. */
export function ownCpuMs(): { process: number; mainThread: number } {
  const all = process.cpuUsage();
  const main = process.threadCpuUsage();
  return { process: (all.user + all.system) / 1000, mainThread: (main.user + main.system) / 1000 };
}
