import type { MeteredSql } from "./metered-sql.ts"

/**
 * One numbered step of a Durable Object's SQLite schema. Once released, a step is never edited, since objects already
 * made with it keep what it did: a change to the schema is a new step at the end (an `ALTER TABLE`, a new index).
 */
export type Migration = { step: number; statements: readonly string[] }

export type Schema = {
  /** Steps 1, 2, 3 … in order: step 1 is the oldest released schema. */
  migrations: readonly Migration[]
  /**
   * The step an object made before steps were recorded is at, judged from its tables (0: it has none). Each such
   * object is judged once: from then on its steps are recorded.
   */
  unrecorded: (sql: MeteredSql) => number
}

/**
 * The steps an object has applied, one row each. A table rather than `PRAGMA user_version`, which a Durable Object's
 * SQLite does not authorise.
 */
const LEDGER = "schema_migration"

export function tableExists(sql: MeteredSql, name: string): boolean {
  return sql.first("SELECT 1 AS hit FROM sqlite_master WHERE type = 'table' AND name = ?", name) !== undefined
}

export function columnExists(sql: MeteredSql, table: string, column: string): boolean {
  return sql.all<{ name: string }>(`PRAGMA table_info(${table})`).some((row) => row.name === column)
}

/** The last step the object applied, or `undefined` when it predates the ledger (or has no tables at all). */
export function recordedStep(sql: MeteredSql): number | undefined {
  if (!tableExists(sql, LEDGER)) return undefined
  return sql.first<{ step: number | null }>(`SELECT max(step) AS step FROM ${LEDGER}`)?.step ?? 0
}

function checkNumbering(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.step !== index + 1) throw new Error(`migration ${index + 1} is numbered ${migration.step}`)
  })
}

/**
 * Bring the object's schema up to the last step, in one transaction: the pending steps apply whole or not at all.
 * Returns the step the object is at afterwards.
 */
export function migrate(storage: DurableObjectStorage, sql: MeteredSql, schema: Schema): number {
  checkNumbering(schema.migrations)
  return storage.transactionSync(() => {
    const recorded = recordedStep(sql)
    const current = recorded ?? schema.unrecorded(sql)
    sql.run(`CREATE TABLE IF NOT EXISTS ${LEDGER} (step INTEGER PRIMARY KEY)`)
    // An object from before the ledger: the steps its tables show are recorded as done, not run again.
    if (recorded === undefined) {
      for (let step = 1; step <= current; step += 1) sql.run(`INSERT INTO ${LEDGER} (step) VALUES (?)`, step)
    }
    for (const migration of schema.migrations.slice(current)) {
      for (const statement of migration.statements) sql.run(statement)
      sql.run(`INSERT INTO ${LEDGER} (step) VALUES (?)`, migration.step)
    }
    return Math.max(current, schema.migrations.length)
  })
}
