/**
 * Where a hot budget stream's lock goes while several gateway processes share the stream (the
 * contended mode of BudgetStreamWriter: the lock and the tail read in one round trip, the
 * insert and the COMMIT in a second). Samples pg_stat_activity of the bench's databases every
 * ~2 ms and says how often the lock's holder was waiting on its own gateway between the two
 * round trips (idle in transaction) against executing its insert and commit. Run it beside
 * bench/gateway during a prod-2proc or prod-4proc window:
 *
 *   node dist/bench/gateway/main.js --rounds 1 --paths prod-4proc --c1-seconds 1 --c64-seconds 15 --sustained-requests 0 --cli-runs 1 &
 *   sleep 20; node dist/bench/gateway/stream-lock-sampler.js 10
 */
import pg from 'pg';

const seconds = Number(process.argv[2] ?? '10');
const client = new pg.Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
await client.connect();
const ACTIVITY = `SELECT state, wait_event_type, left(query, 40) AS query FROM pg_stat_activity
  WHERE datname LIKE 'bench_gateway_%' AND backend_type = 'client backend' AND state <> 'idle'`;
// The first round trip's statements (the lock, the stream's tail), and the second's insert.
const FIRST_TRIP = /^SELECT version|^SELECT global_position, transaction_id/;
const INSERT = /^WITH bumped/;

const tally = new Map<string, number>();
let samples = 0;
let waiters = 0;
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  const { rows } = await client.query<{ state: string; wait_event_type: string | null; query: string }>(ACTIVITY);
  samples++;
  const waiting = rows.filter((row) => row.wait_event_type === 'Lock' && row.query.startsWith('SELECT version')).length;
  waiters += waiting;
  const outcome = rows.some((row) => row.state === 'idle in transaction' && FIRST_TRIP.test(row.query))
    ? 'the holder idle in transaction, waiting on its gateway'
    : rows.some((row) => row.state === 'active' && row.wait_event_type !== 'Lock' && INSERT.test(row.query))
      ? 'the holder executing its insert and commit'
      : waiting > 0 ? 'waiters, the holder between statements' : 'no lock held';
  tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
  await new Promise((resolve) => setTimeout(resolve, 2));
}
await client.end();
console.log(`${samples} samples over ${seconds} s; lock waiters on average ${(waiters / samples).toFixed(2)}`);
for (const [outcome, count] of [...tally].sort((a, b) => b[1] - a[1])) console.log(`${((100 * count) / samples).toFixed(0).padStart(3)}% ${outcome}`);
