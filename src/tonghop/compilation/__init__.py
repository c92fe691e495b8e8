"""Compilation: consolidated reports of a campaign (totals, rendering, signing, publishing)."""
