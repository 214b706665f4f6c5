import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalApiKey } from '../apigateway/rest-api.ts';

/*
 * Who may reach what the local runtime serves besides the API stage:
 *
 * - AWS-protocol emulation (Step Functions, EventBridge, SQS, Secrets Manager over `x-amz-target`)
 *   is served ONLY on the local-admin port, which always listens on 127.0.0.1 whatever `--host` says.
 *   The functions and the SDK clients of tests and the CLI use it; nothing else needs it. On the API
 *   port (which `--host 0.0.0.0` exposes) those calls are refused: with them, anyone who can reach the
 *   port could read a task token from GetExecutionHistory and complete the task.
 * - `/_local/*` (queues, redrive, archive replay) is served on both ports but only to loopback callers
 *   that present an admin (ops) API key: the console and the CLI send the ops key they already hold.
 */

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address);
}

/** The local values of the keys whose channel is admin (from the functions' CHANNEL_API_KEYS). */
export function adminKeyValues(
  functions: readonly { environment: Record<string, string> }[],
  apiKeys: readonly LocalApiKey[],
): string[] {
  const json = functions.find((fn) => fn.environment.CHANNEL_API_KEYS)?.environment.CHANNEL_API_KEYS;
  if (!json) return [];
  const channels = JSON.parse(json) as Record<string, { admin?: boolean; scopes?: string[] }>;
  const adminIds = new Set(
    Object.entries(channels)
      .filter(([, c]) => c.admin === true || (c.scopes ?? []).includes('admin'))
      .map(([id]) => id),
  );
  return apiKeys.filter((key) => adminIds.has(key.id)).map((key) => key.value);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'Content-Type': 'application/problem+json' });
  res.end(
    JSON.stringify({
      type: `https://quartermaster.dev/problems/local-${title.toLowerCase().replaceAll(' ', '-')}`,
      title,
      status,
      detail,
    }),
  );
}

/**
 * Whether a `/_local/*` request may proceed; when not, the refusal is already sent. A caller that is
 * not on this machine gets 404 (nothing is admitted to exist); a local caller without the ops key 403.
 */
export function admitLocalOps(
  req: IncomingMessage,
  res: ServerResponse,
  adminKeys: readonly string[],
): boolean {
  if (!isLoopback(req.socket.remoteAddress)) {
    problem(res, 404, 'Not found', 'The local operations endpoints answer only on this machine (loopback).');
    return false;
  }
  const given = req.headers['x-api-key'];
  if (typeof given !== 'string' || !adminKeys.some((key) => sameSecret(given, key))) {
    problem(
      res,
      403,
      'Forbidden',
      'The local operations endpoints need an admin API key (the ops key) in x-api-key.',
    );
    return false;
  }
  return true;
}

/** The refusal of an AWS-protocol call on the API port (AWS JSON protocol shape, so SDKs show it). */
export function refuseAwsProtocol(res: ServerResponse, adminUrl: string): void {
  res.writeHead(403, {
    'Content-Type': 'application/x-amz-json-1.1',
    'x-amzn-ErrorType': 'AccessDeniedException',
  });
  res.end(
    JSON.stringify({
      __type: 'AccessDeniedException',
      message: `AWS-protocol emulation is not served on the API port; it is served only on the local-admin endpoint ${adminUrl} (loopback).`,
    }),
  );
}
