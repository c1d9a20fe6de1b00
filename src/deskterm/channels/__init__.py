"""Channel adapters: protocol code that turns remote sources into normalised messages."""
