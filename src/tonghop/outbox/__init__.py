"""Every message that leaves tonghop, and the in-app notifications (tonghop.outbox.models)."""
