import { parseChannelKeys } from '../http/request.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** Configuration read once at cold start from the environment the stack sets. */
export const config = {
  get tableName() {
    return required('TABLE_NAME');
  },
  get channelKeys() {
    return parseChannelKeys(process.env.CHANNEL_API_KEYS);
  },
};
