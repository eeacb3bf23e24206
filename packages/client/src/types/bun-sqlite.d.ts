// The slice of Bun's built-in SQLite driver the store uses. Bun's own type package is not installed (the client
// is type-checked for Node), and drizzle's bun-sqlite driver types refer to this module.
declare module "bun:sqlite" {
  export class Database {
    constructor(filename: string, options?: { create?: boolean; readwrite?: boolean; strict?: boolean })
    exec(sql: string): void
    close(): void
  }
}
