"""The HTTP contract: request/response schemas (pydantic) and the OpenAPI document built from them."""
