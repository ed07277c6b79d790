"""subsidy: administers the Minhang District digital-transformation subsidy policy end to end."""

__version__ = "0.1.0"
