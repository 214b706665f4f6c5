import { parseArgs } from 'node:util';
import { startWebhookReceiver } from './receiver.ts';

/**
 * `npx tsx examples/partner-webhook-receiver/server.ts --port 4000 --secret whsec_…`
 * Seen webhook-ids are kept in `--seen-file` (default ./seen-webhook-ids.txt) so duplicates are
 * still recognised after a restart; `--seen-file ''` keeps them in memory only.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4000' },
    host: { type: 'string', default: '127.0.0.1' },
    secret: { type: 'string' },
    'seen-file': { type: 'string', default: 'seen-webhook-ids.txt' },
  },
});
if (!values.secret?.startsWith('whsec_')) {
  console.error('Usage: server.ts --port 4000 --secret whsec_<base64>');
  process.exit(2);
}
const receiver = await startWebhookReceiver({
  port: Number(values.port),
  host: values.host,
  secret: values.secret,
  ...(values['seen-file'] ? { seenFile: values['seen-file'] } : {}),
  onAttempt: (a) => console.log(`${a.status} ${a.id ?? '-'}${a.reason ? ` (${a.reason})` : ''}`),
});
console.log(`Partner webhook receiver on ${receiver.url} (GET /received lists verified deliveries)`);
console.log(`De-duplicating on ${receiver.dedupe}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    void receiver.close().then(() => process.exit(0));
  });
