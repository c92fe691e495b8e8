"""Seal the secrets stored before they were sealed (tonghop.twofactor.sealing): every app
secret becomes AES-GCM text under a key derived from the secret key, every backup code a keyed
digest. The codes people's apps show, and their printed backup codes, keep working."""

from binascii import hexlify

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from tonghop.twofactor import sealing


def seal(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for device in TOTPDevice.objects.exclude(key__startswith=sealing.PREFIX).iterator():
        device.key = sealing.seal_key(device.key)
        device.save(update_fields=["key"])
    for token in StaticToken.objects.all().iterator():
        if not sealing.is_digest(token.token):
            token.token = sealing.code_digest(token.token)
            token.save(update_fields=["token"])


def unseal(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Backup codes cannot be turned back from their digests: the people make new ones.
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    for device in TOTPDevice.objects.filter(key__startswith=sealing.PREFIX).iterator():
        device.key = hexlify(sealing.open_key(device.key)).decode("ascii")
        device.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [
        ("twofactor", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(seal, unseal)]
