/** Every database the tests create starts with this, so teardown can find and drop them. */
export const TEST_DB_PREFIX = 'broker_test_';

export function urlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
