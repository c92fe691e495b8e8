"""Optional two-step verification: an authenticator app's code after the password.

The devices are django-otp's (a TOTP device for the app, a static device for the backup codes);
this package holds the pages, the half-login between the two steps, and the actions that turn
it on and off, each writing the audit log.
"""
