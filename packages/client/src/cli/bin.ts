import { main } from "./main.ts"

// Set the code and let the event loop drain instead of process.exit(), so stdout is fully flushed into pipes.
process.exitCode = await main(process.argv.slice(2))
