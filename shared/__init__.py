"""autocapture shared package: the rule core, the boundaries (Cosmos, Graph, queue) and the services."""
