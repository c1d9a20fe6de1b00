"""Rules: the model, the file format and its checks, conditions (the engine comes later)."""
