"""tonghop's SQLite database backend: Django's own, with writers served in turn (see base)."""
