// One connection for a few statements of the benchmark's own (scratch databases, vacuums), closed whatever happens.
import pg from 'pg';

/** Runs `work` on a connection to `databaseUrl`, then closes it. */
export async function withClient<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The URL of `database` on the server `databaseUrl` names. */
export function databaseUrlFor(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
