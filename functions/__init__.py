"""Azure Functions blueprints, one package per feature."""
