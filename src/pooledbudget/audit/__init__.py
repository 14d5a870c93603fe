"""What auditors need: the history of a pool, seals of its chains, and verification (R23, R24)."""
