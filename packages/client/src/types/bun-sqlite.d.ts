// The slice of Bun's built-in SQLite driver the store (and its tests, which open files directly) use. Bun's own type
// package is not installed (the client is type-checked for Node), and drizzle's bun-sqlite driver types refer to
// this module.
declare module "bun:sqlite" {
  type Binding = string | bigint | number | boolean | null | Uint8Array
  export class Database {
    constructor(
      filename: string,
      options?: { create?: boolean; readwrite?: boolean; readonly?: boolean; strict?: boolean },
    )
    exec(sql: string): void
    prepare(sql: string): { get(...params: Binding[]): unknown; run(...params: Binding[]): unknown }
    close(): void
  }
}
