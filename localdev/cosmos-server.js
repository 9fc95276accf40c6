// Starts the Cosmos DB SQL API emulator (@vercel/cosmosdb-server) on loopback with
// keep-alive, so each request does not pay a fresh TLS handshake.
//
// The emulator is in-memory; with --state FILE this script saves every database,
// container (its definition: partition key, TTL, indexing policy) and document to FILE on
// a clean stop (SIGINT, SIGTERM, SIGHUP) and loads them again at the next start, before
// it serves a request. Containers named with --transient keep their definition but not
// their documents (the local stack reloads its records file at every start).
//
// Usage: node localdev/cosmos-server.js [port] [--state FILE] [--transient NAME]...
"use strict";

const fs = require("fs");
const path = require("path");

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

// Cosmos DB refuses items the emulator would store: larger than 2 MB (413
// RequestEntityTooLarge), an id with / \\ ? # or longer than 255 characters, or a partition
// key value over 2 KB (400 BadRequest). Refuse them the same way, with Cosmos's error body
// ({"code", "message": "Message: {\"Errors\":[...]}\r\nActivityId: ..."}), so a test of code
// that writes such an item fails here as it would in Azure. The limits are checked on
// create, upsert and replace, before the emulator's own handler runs.
const MAX_ITEM_BYTES = 2 * 1024 * 1024;
const MAX_ID_CHARS = 255;
const MAX_PARTITION_KEY_BYTES = 2 * 1024;
const rawBody = require(require.resolve("raw-body", { paths: [require.resolve("@vercel/cosmosdb-server")] }));
const crypto = require("crypto");
const jsonModule = require("@vercel/cosmosdb-server/lib/json");
const originalJson = jsonModule.default;
const PARSED = Symbol("parsed body");
jsonModule.default = async (req) => (PARSED in req ? req[PARSED] : originalJson(req));

function cosmosError(res, status, code, error) {
  const activityId = crypto.randomUUID();
  res.statusCode = status;
  res.setHeader("x-ms-activity-id", activityId);
  res.setHeader("x-ms-substatus", "0");
  const message = `Message: ${JSON.stringify({ Errors: [error] })}\r\nActivityId: ${activityId}, Request URI: /apps/local/services/local/partitions/local/replicas/1p/, RequestStats: , SDK: local-emulator`;
  return { code, message };
}

// The partition key values a request names (x-ms-documentdb-partitionkey, a JSON array),
// or null when it names none or the header is not such an array.
function partitionKeyValues(req) {
  try {
    const values = JSON.parse(req.headers["x-ms-documentdb-partitionkey"] || "null");
    return Array.isArray(values) ? values : null;
  } catch {
    return null;
  }
}

function partitionKeyBytes(req) {
  return (partitionKeyValues(req) || []).reduce((n, v) => n + Buffer.byteLength(typeof v === "string" ? v : JSON.stringify(v), "utf8"), 0);
}

function refusal(res, raw, body, req) {
  if (raw.length > MAX_ITEM_BYTES) {
    return cosmosError(res, 413, "RequestEntityTooLarge", "Request size is too large");
  }
  const id = body && body.id;
  if (typeof id === "string" && (id.length > MAX_ID_CHARS || /[\/\\?#]/.test(id))) {
    const shown = id.length > 64 ? `${id.slice(0, 64)}...` : id;
    return cosmosError(res, 400, "BadRequest", `The input name '${shown}' is invalid. Ensure to provide a unique non-empty string less than '${MAX_ID_CHARS}' characters and without '/', '\\', '?', '#'.`);
  }
  if (partitionKeyBytes(req) > MAX_PARTITION_KEY_BYTES) {
    return cosmosError(res, 400, "BadRequest", `The partition key value is larger than ${MAX_PARTITION_KEY_BYTES} bytes.`);
  }
  return null;
}

for (const name of ["create-document", "upsert-document", "replace-document"]) {
  const handler = require(`@vercel/cosmosdb-server/lib/handler/${name}`);
  const original = handler.default;
  handler.default = async (account, req, res, params) => {
    const raw = await rawBody(req);
    let body;
    try {
      body = JSON.parse(raw.toString());
    } catch {
      return cosmosError(res, 400, "BadRequest", "The request payload is invalid.");
    }
    const refused = refusal(res, raw, body, req);
    if (refused) return refused;
    req[PARSED] = body;
    return original(account, req, res, params);
  };
}

// A query sent with a partition key (x-ms-documentdb-partitionkey, what the SDK sends for
// a single-partition query) runs in that partition only, as in Cosmos DB, whether or not
// its WHERE names the key: the emulator would refuse it without the key in the WHERE
// ("missing partition keys") and otherwise evaluate it over every document of the
// container. Scoping it answers what Azure answers: only that partition's documents are
// evaluated by the query (picking them out still looks at every document).
const Items = require("@vercel/cosmosdb-server/lib/account/items").default;
const originalQuery = Items.prototype.query;
Items.prototype.query = function query(params, options) {
  const { partition, ...rest } = options || {};
  if (partition === undefined) return originalQuery.call(this, params, rest);
  const all = this._data;
  const scoped = new Map([...all].filter(([, item]) => this._getPartition(item.read()) === partition));
  this._data = scoped;
  try {
    return originalQuery.call(this, params, rest);
  } finally {
    this._data = all;
  }
};
// The emulator's own query handler (lib/handler/query-documents.js), with the partition
// key passed on to the query.
const readItems = require("@vercel/cosmosdb-server/lib/handler/_read-items").default;
const trueHeader = require("@vercel/cosmosdb-server/lib/true-header").default;
const compileQuery = require(require.resolve("@zeit/cosmosdb-query", { paths: [require.resolve("@vercel/cosmosdb-server")] })).default;
function headerPartition(req) {
  const values = partitionKeyValues(req);
  return values && values.length === 1 && typeof values[0] === "string" ? values[0] : undefined;
}
require("@vercel/cosmosdb-server/lib/handler/query-documents").default = async (account, req, res, { dbId, collId }) =>
  readItems(req, res, "Documents", async ({ continuation, maxItemCount }) => {
    const body = await jsonModule.default(req);
    if (!body.query) {
      res.statusCode = 400;
      return { message: "missing query" };
    }
    const collection = account.database(dbId).collection(collId);
    const partition = headerPartition(req);
    if (partition === undefined && !trueHeader(req, "x-ms-documentdb-query-enablecrosspartition")) {
      const { partitionKey } = collection.read() || {};
      const paths = (partitionKey || {}).paths || [];
      if (paths.length && !compileQuery(body.query).containsPartitionKeys(paths)) {
        res.statusCode = 400;
        return { message: "missing partition keys" };
      }
    }
    try {
      return collection.documents.query(body, { continuation, maxItemCount, partition });
    } catch (err) {
      if (err.badRequest) {
        res.statusCode = 400;
        return { message: err.message };
      }
      throw err;
    }
  });

// The server builds its in-memory account when it starts listening; keep a reference to
// it (the same store its request handlers use) so that it can be saved and loaded.
const accountModule = require("@vercel/cosmosdb-server/lib/account");
const BaseAccount = accountModule.default;
let account = null;
accountModule.default = class extends BaseAccount {
  constructor(...args) {
    super(...args);
    account = this;
  }
};

const { createHttpsServer } = require("@vercel/cosmosdb-server");

function parseArgs(argv) {
  const options = { port: Number(process.env.COSMOS_PORT || 8081), state: null, transient: new Set() };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--state") options.state = argv[++i];
    else if (argv[i] === "--transient") options.transient.add(argv[++i]);
    else options.port = Number(argv[i]);
  }
  return options;
}

const SYSTEM = new Set(["_rid", "_self", "_etag", "_ts", "_attachments", "_docs", "_sprocs", "_triggers", "_udfs", "_conflicts", "_colls", "_users"]);
const strip = (item) => Object.fromEntries(Object.entries(item).filter(([key]) => !SYSTEM.has(key)));
const all = (items) => (items.read() || { result: [] }).result || [];

function snapshot(transient) {
  return {
    format: 1,
    databases: all(account.databases).map((db) => ({
      definition: strip(db),
      containers: all(account.database(db.id).collections).map((coll) => ({
        definition: strip(coll),
        documents: transient.has(coll.id)
          ? []
          : all(account.database(db.id).collection(coll.id).documents).map(strip),
      })),
    })),
  };
}

function restore(saved) {
  let count = 0;
  for (const db of saved.databases || []) {
    account.databases.create(db.definition);
    const database = account.database(db.definition.id);
    for (const container of db.containers || []) {
      database.collections.create(container.definition);
      const documents = database.collection(container.definition.id).documents;
      for (const document of container.documents || []) {
        documents.create(document);
        count += 1;
      }
    }
  }
  return count;
}

function save(options) {
  if (!options.state || !account) return;
  const tmp = `${options.state}.tmp`;
  fs.mkdirSync(path.dirname(options.state), { recursive: true });
  fs.writeFileSync(tmp, JSON.stringify(snapshot(options.transient)));
  fs.renameSync(tmp, options.state);
}

function load(options) {
  if (!options.state || !fs.existsSync(options.state)) return 0;
  return restore(JSON.parse(fs.readFileSync(options.state, "utf8")));
}

const options = parseArgs(process.argv.slice(2));
const server = createHttpsServer({ keepAlive: true });
server.listen(options.port, "127.0.0.1", () => {
  // Synchronous, inside the listening callback: no request is served before it is done.
  let loaded;
  try {
    loaded = load(options);
  } catch (error) {
    process.stderr.write(`cosmos emulator: cannot load ${options.state} (${error.message}); \`make reset\` removes it\n`);
    process.exit(2);
  }
  process.stdout.write(`cosmos emulator listening on https://127.0.0.1:${options.port} (${loaded} saved documents loaded)\n`);
});
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    try {
      save(options);
    } catch (error) {
      process.stderr.write(`cosmos emulator: could not save its state: ${error.message}\n`);
      process.exitCode = 1;
    }
    server.close(() => process.exit());
    server.closeAllConnections();
  });
}
