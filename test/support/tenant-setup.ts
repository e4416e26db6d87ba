import type { Call } from './http.js';
import type { ParticleFake } from './particle-fake.js';
import { TEST_ADMIN_KEY } from './test-app.js';

export const PRODUCT_SECRET = 'product-secret-0123456789abcdef';

/** A tenant with a product OAuth client known to both the fake and the broker, and its credential. */
export async function tenantWithProductClient(
  api: Call,
  fake: ParticleFake,
  tenantId: string,
): Promise<{ credentialId: string }> {
  const clientId = `${tenantId}-prod`;
  fake.addClient({ id: clientId, secret: PRODUCT_SECRET, kind: 'product', productId: 1000 });
  const admin = { key: TEST_ADMIN_KEY };
  await api('POST', '/v1/tenants', { ...admin, body: { id: tenantId, name: tenantId } });
  await api('POST', '/v1/oauth-clients', {
    ...admin,
    body: {
      id: clientId,
      tenant_id: tenantId,
      client_id: clientId,
      client_secret: PRODUCT_SECRET,
      type: 'installed',
      product_id: '1000',
    },
  });
  const created = await api<{ id: string }>('POST', `/v1/tenants/${tenantId}/credentials`, {
    ...admin,
    body: { kind: 'client_credentials', oauth_client_id: clientId },
  });
  if (created.status !== 201) throw new Error(`credential not created: ${created.text}`);
  return { credentialId: created.body.id };
}
