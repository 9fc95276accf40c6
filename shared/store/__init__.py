"""The data stores: Protocols in ``base``, Cosmos DB and in-memory backends, ``stores`` bundles."""
