"""The rank engine: pure rules (``rules``) and the set-based facts gatherer (``facts``)."""
