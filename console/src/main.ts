import { currentConfig, loadConfig, opsKey, setApiUrl, setOpsKey } from './api.ts';
import { h, notice, replace } from './dom.ts';
import { executionsView, executionView } from './views/execution.ts';
import { inventoryView } from './views/inventory.ts';
import { orderView } from './views/order.ts';
import { ordersView } from './views/orders.ts';
import { queuesView } from './views/queues.ts';
import { stalledView } from './views/stalled.ts';

/**
 * The ops console: a hash-routed single page over the REST API (and, locally, the runtime's /_local
 * endpoints). The ops (admin) API key is asked once and kept in sessionStorage for this tab.
 */

function keyForm(root: HTMLElement, message?: string): void {
  const key = h('input', {
    type: 'password',
    name: 'key',
    autocomplete: 'off',
    'data-testid': 'ops-key',
    size: 40,
  });
  const url = h('input', {
    name: 'apiUrl',
    value: currentConfig().apiUrl,
    'data-testid': 'api-url',
    size: 40,
  });
  const form = h(
    'form',
    { class: 'card', 'data-testid': 'key-form' },
    h('h1', {}, 'Sign in with the ops API key'),
    h(
      'p',
      { class: 'muted' },
      'The key of the admin channel (locally `quartermaster-ops-local-key`; on AWS `aws apigateway get-api-key --include-value`). It stays in this tab only (sessionStorage).',
    ),
    message ? notice('error', message) : '',
    h('div', { class: 'row' }, h('label', {}, 'Ops API key', key), h('label', {}, 'API URL', url)),
    h('button', { type: 'submit', 'data-testid': 'save-key' }, 'Continue'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!key.value.trim()) return;
    if (url.value.trim() !== currentConfig().apiUrl) setApiUrl(url.value.trim());
    setOpsKey(key.value.trim());
    void route();
  });
  replace(root, form);
  key.focus();
}

function session(): void {
  const target = document.getElementById('session');
  if (!target) return;
  if (!opsKey()) {
    replace(target);
    return;
  }
  const out = h('button', { class: 'secondary', 'data-testid': 'sign-out' }, 'Forget key');
  out.addEventListener('click', () => {
    setOpsKey(null);
    void route();
  });
  replace(target, h('span', {}, `API ${currentConfig().apiUrl}`), out);
}

async function route(): Promise<void> {
  const root = document.getElementById('view');
  if (!root) return;
  session();
  if (!opsKey()) {
    keyForm(root);
    return;
  }
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const [section = 'orders', id] = path.split('/').map(decodeURIComponent);
  try {
    if (section === 'orders' && id) await orderView(root, id);
    else if (section === 'executions' && id) await executionView(root, id);
    else if (section === 'executions') await executionsView(root, params);
    else if (section === 'inventory') await inventoryView(root, id ?? '');
    else if (section === 'queues') await queuesView(root);
    else if (section === 'stalled') await stalledView(root, params);
    else await ordersView(root, params);
  } catch (error) {
    replace(root, notice('error', `The console failed: ${(error as Error).message}`));
  }
}

window.addEventListener('hashchange', () => void route());
void loadConfig().then(route);
