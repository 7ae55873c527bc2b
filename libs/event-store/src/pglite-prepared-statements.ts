import type { messages, PGlite } from '@electric-sql/pglite';
import type { SqlRows } from './sql-client.js';

type ProtocolSerializer = (typeof import('@electric-sql/pglite'))['protocol']['serialize'];

interface PreparedStatement {
  sql: string;
  /** Type OIDs of the parameters, as the server inferred them at Parse. */
  parameterTypes: readonly number[];
  /** Result columns, or none for a statement that returns no rows. */
  fields: readonly { name: string; dataTypeID: number }[];
}

/**
 * Named prepared statements on PGlite, which its query() does not offer: query() parses, plans
 * and describes its SQL at every call, in six separate calls into the WASM module (Parse,
 * Describe, Bind, Describe, Execute, Sync). A statement prepared once per instance here runs as
 * Bind + Execute + Sync in one call, with the parameter types and result columns learnt at its
 * Parse. The event store's append is such a statement (docs/benchmarks.md, issue 15).
 *
 * Values are serialized and parsed by the instance's own serializers and parsers, as query()
 * does, so the results are the same. One name, one SQL text (as on PostgreSQL).
 */
export class PglitePreparedStatements {
  private readonly prepared = new Map<string, PreparedStatement>();

  constructor(
    private readonly db: PGlite,
    private readonly serialize: ProtocolSerializer,
  ) {}

  /**
   * Runs the statement named `name`, preparing it on first use. `inTransaction`: the caller runs
   * inside db.transaction(), whose lock it holds; otherwise this takes that lock, like query().
   */
  run<R extends Record<string, unknown>>(name: string, sql: string, params: readonly unknown[], inTransaction: boolean): Promise<SqlRows<R>> {
    const work = () => this.db._runExclusiveQuery(() => this.execute<R>(name, sql, params, inTransaction));
    return inTransaction ? work() : this.db._runExclusiveTransaction(work);
  }

  private async execute<R extends Record<string, unknown>>(name: string, sql: string, params: readonly unknown[], inTransaction: boolean): Promise<SqlRows<R>> {
    const statement = this.prepared.get(name) ?? (await this.prepare(name, sql));
    if (statement.sql !== sql) throw new Error(`prepared statement ${name} was prepared with other SQL: one name, one SQL text`);
    const values = params.map((value, index) => this.serializeParameter(value, statement.parameterTypes[index]));
    const { messages: received } = await this.db.execProtocol(
      Buffer.concat([this.serialize.bind({ statement: name, values }), this.serialize.execute({}), this.serialize.sync()]),
      { syncToFs: false },
    );
    // What query() does after a statement outside db.transaction(): persist the data directory.
    if (!inTransaction) await this.db.syncToFs();
    return this.toRows<R>(statement, received);
  }

  private async prepare(name: string, sql: string): Promise<PreparedStatement> {
    const { messages: received } = await this.db.execProtocol(
      Buffer.concat([this.serialize.parse({ name, text: sql }), this.serialize.describe({ type: 'S', name }), this.serialize.sync()]),
      { syncToFs: false },
    );
    let parameterTypes: readonly number[] = [];
    let fields: PreparedStatement['fields'] = [];
    for (const message of received) {
      if (message.name === 'parameterDescription') parameterTypes = (message as messages.ParameterDescriptionMessage).dataTypeIDs;
      if (message.name === 'rowDescription') {
        fields = (message as messages.RowDescriptionMessage).fields.map(({ name: column, dataTypeID }) => ({ name: column, dataTypeID }));
      }
    }
    const statement = { sql, parameterTypes, fields };
    this.prepared.set(name, statement);
    return statement;
  }

  private serializeParameter(value: unknown, type: number | undefined): string | null {
    if (value === null || value === undefined) return null;
    const serializer = type === undefined ? undefined : this.db.serializers[type];
    return serializer ? serializer(value) : String(value);
  }

  private toRows<R extends Record<string, unknown>>(statement: PreparedStatement, received: readonly messages.BackendMessage[]): SqlRows<R> {
    const rows: R[] = [];
    let affected = 0;
    for (const message of received) {
      if (message.name === 'dataRow') {
        const row: Record<string, unknown> = {};
        (message as messages.DataRowMessage).fields.forEach((value, index) => {
          const { name, dataTypeID } = statement.fields[index];
          const parser = this.db.parsers[dataTypeID];
          row[name] = value === null ? null : parser ? parser(value, dataTypeID) : value;
        });
        rows.push(row as R);
      } else if (message.name === 'commandComplete') {
        const count = Number((message as messages.CommandCompleteMessage).text.split(' ').at(-1));
        if (Number.isInteger(count)) affected = count;
      }
    }
    return { rows, rowCount: statement.fields.length > 0 ? rows.length : affected };
  }
}
