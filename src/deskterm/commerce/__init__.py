"""Commerce adapters (Shopify): orders beside the conversation."""
