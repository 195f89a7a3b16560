"""sodcheck: find incompatible duties and incompatible system permissions."""
__version__ = "0.1.0"
