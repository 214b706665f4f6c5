import { describe, expect, test } from 'vitest';
import { formatLogLine } from '../../local/log-format.ts';

const line = (entry: Record<string, unknown>) =>
  formatLogLine('Quartermaster-DeliverWebhookAB12CD34', JSON.stringify(entry));

describe('local log formatter', () => {
  test('shows an error given as a plain string (the cause of a retried delivery)', () => {
    const out = line({
      level: 'WARN',
      message: 'webhook not delivered; will be retried',
      error: 'partner answered 503',
    });
    expect(out).toContain('webhook not delivered; will be retried');
    expect(out).toContain('error="partner answered 503"');
  });

  test('shows an error object by its message, as Powertools serializes an Error', () => {
    const out = line({
      level: 'ERROR',
      message: 'fulfilment not started; will be retried',
      error: {
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        stack: 'ThrottlingException: Rate exceeded\n at x',
      },
    });
    expect(out).toContain('error="ThrottlingException: Rate exceeded"');
  });

  test('shows an error object that has only a name', () => {
    expect(line({ level: 'ERROR', message: 'failed', error: { name: 'TimeoutError' } })).toContain(
      'error="TimeoutError"',
    );
  });

  test('says nothing about an error when there is none', () => {
    expect(line({ level: 'INFO', message: 'webhook delivered', status: 200 })).not.toContain('error=');
  });
});
