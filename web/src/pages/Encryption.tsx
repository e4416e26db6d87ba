import { api, unwrap } from '../api/client';
import { ProblemBanner, useLoad } from '../ui';

export function EncryptionPage() {
  const { data, problem } = useLoad(async () => unwrap(await api.GET('/v1/admin/encryption')));
  return (
    <section>
      <h1>Encryption</h1>
      <ProblemBanner problem={problem} />
      {data && (
        <>
          <p>
            Active key: <code>{data.active_kid}</code>. Re-encryption: {data.reencryption.state} (
            {data.reencryption.done}/{data.reencryption.total}).
          </p>
          <table>
            <caption>Stored secrets per key</caption>
            <thead>
              <tr>
                <th scope="col">Key id</th>
                <th scope="col">Rows</th>
              </tr>
            </thead>
            <tbody>
              {data.keys.map((k) => (
                <tr key={k.kid}>
                  <td>
                    <code>{k.kid}</code>
                  </td>
                  <td>{k.rows}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
