import { CreationRepo } from "./creation-repo.ts"
import { openDatabase, type SqliteDriver } from "./database.ts"
import { OutboxRepo } from "./outbox-repo.ts"
import { ShareRepo } from "./share-repo.ts"

/** The open local store (`openStore`): its tables behind one repository each, and `close()`. */
export type ShareStore = {
  shares: ShareRepo
  outbox: OutboxRepo
  creations: CreationRepo
  path: string
  driver: SqliteDriver
  close: () => void
}

/**
 * Open the local share store: migrate the schema (upgrading an old HTTP client's table in place) and give rows
 * that client wrote the server they belong to, so every record can sync over RPC from here on.
 */
export async function openStore(path: string): Promise<ShareStore> {
  const opened = await openDatabase(path)
  const shares = new ShareRepo(opened.db)
  shares.backfillLegacyRows()
  return {
    shares,
    outbox: new OutboxRepo(opened.db),
    creations: new CreationRepo(opened.db),
    path: opened.path,
    driver: opened.driver,
    close: opened.close,
  }
}
