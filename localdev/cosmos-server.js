// Starts the Cosmos DB SQL API emulator (@vercel/cosmosdb-server) on loopback with
// keep-alive, so each request does not pay a fresh TLS handshake. In-memory.
// Usage: node localdev/cosmos-server.js [port]
"use strict";
const { createHttpsServer } = require("@vercel/cosmosdb-server");

const port = Number(process.argv[2] || process.env.COSMOS_PORT || 8081);
const server = createHttpsServer({ keepAlive: true });
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`cosmos emulator listening on https://127.0.0.1:${port}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
