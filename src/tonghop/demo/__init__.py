"""The seed scenario: the office, units and campaigns that `tonghop demo` shows."""
