// Starts the Cosmos DB SQL API emulator (@vercel/cosmosdb-server) on loopback with
// keep-alive, so each request does not pay a fresh TLS handshake. In-memory.
// Usage: node localdev/cosmos-server.js [port]
"use strict";

// @vercel/cosmosdb-server 1.0.1 answers a point read of a missing document with a 500
// ("Cannot read properties of undefined (reading 'pk')") where Cosmos DB answers 404.
// Patch that one handler before the routes capture it, so the SDK sees what Azure sends.
const readDocument = require("@vercel/cosmosdb-server/lib/handler/read-document");
const originalRead = readDocument.default;
readDocument.default = (account, req, res, params) => {
  try {
    return originalRead(account, req, res, params);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    res.statusCode = 404;
    return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
  }
};

const { createHttpsServer } = require("@vercel/cosmosdb-server");

const port = Number(process.argv[2] || process.env.COSMOS_PORT || 8081);
const server = createHttpsServer({ keepAlive: true });
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`cosmos emulator listening on https://127.0.0.1:${port}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
