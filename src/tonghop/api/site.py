"""The API with every operation registered: reading (endpoints) and writing (writing)."""

from tonghop.api import writing
from tonghop.api.endpoints import api

__all__ = ["api", "writing"]
