"""Rules about a call that sources, the matcher and the tracker all apply, stated once."""
