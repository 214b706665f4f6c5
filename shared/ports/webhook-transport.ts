/** Sends one HTTP POST to a partner; resolves with the status (network errors reject). */
export interface WebhookTransport {
  post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }>;
}
