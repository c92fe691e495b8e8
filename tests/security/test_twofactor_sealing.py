"""Two-step secrets in the database are sealed with a key that is not in it
(tonghop.twofactor.sealing): the app's secret is AES-GCM text, the backup codes keyed digests.
Whoever reads the tables learns neither, and the codes people's apps show still open the second
step, also for devices set up before the secrets were sealed (the migration seals them)."""

from __future__ import annotations

from base64 import b32encode
from binascii import hexlify, unhexlify
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice as PlainTOTPDevice

from tests.conftest import World
from tests.security.twofactor_app import (
    code_now,
    is_signed_in,
    sign_in_code,
    sign_in_password,
    turn_on,
)
from tonghop.twofactor.models import SealedTOTPDevice
from tonghop.twofactor.sealing import code_digest

# RFC 6238's test secret, as django-otp stores a secret: hex.
RFC_SECRET = b"12345678901234567890"


def raw_secrets() -> str:
    """Everything the two tables hold, read with plain SQL as a copy of the database shows it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM otp_totp_totpdevice")
        keys = [str(row[0]) for row in cursor.fetchall()]
        cursor.execute("SELECT token FROM otp_static_statictoken")
        tokens = [str(row[0]) for row in cursor.fetchall()]
    return " ".join(keys + tokens).lower()


def readable_forms(secret: bytes) -> list[str]:
    return [b32encode(secret).decode().lower(), hexlify(secret).decode()]


def test_the_database_holds_no_readable_secret_and_the_codes_still_work(world: World) -> None:
    device, codes = turn_on(world.lan)
    device.refresh_from_db()
    secret = device.bin_key
    assert len(secret) == 20
    stored = raw_secrets()
    assert stored.count("v1:") == 1
    for shown in [*readable_forms(secret), *codes]:
        assert shown.lower() not in stored, shown
    # django-otp's own model, reading the column as it is, gets no secret from it.
    plain = PlainTOTPDevice.objects.get(pk=device.pk)
    assert plain.key.startswith("v1:") and len(plain.key) <= 80

    client = Client()
    sign_in_password(client, "lan")
    assert sign_in_code(client, code_now(device)).status_code == 302
    assert is_signed_in(client)
    client = Client()
    sign_in_password(client, "lan")
    assert sign_in_code(client, codes[0].upper(), backup=True).status_code == 302
    assert is_signed_in(client)
    # A backup code is used once, sealed or not.
    client = Client()
    sign_in_password(client, "lan")
    assert sign_in_code(client, codes[0], backup=True).status_code == 400
    assert not is_signed_in(client)


def test_another_secret_key_opens_nothing(world: World, settings: Any) -> None:
    device, codes = turn_on(world.lan)
    code = code_now(device)
    settings.SECRET_KEY = "another-install-" * 4
    for given, backup in ((code, False), (codes[1], True)):
        client = Client()
        sign_in_password(client, "lan")
        response = sign_in_code(client, given, backup=backup)
        assert response.status_code == 400, given
        assert not is_signed_in(client)


def test_the_migration_seals_an_existing_plaintext_secret(world_tx: World) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("twofactor", "0001_initial")])
    try:
        # A device and backup codes as they were stored before: plain hex, plain codes.
        app = PlainTOTPDevice.objects.create(
            user=world_tx.lan, name="authenticator app", confirmed=True, key=RFC_SECRET.hex()
        )
        backup = StaticDevice.objects.create(user=world_tx.lan, name="backup codes", confirmed=True)
        StaticToken.objects.create(device=backup, token="abcdefgh")
        StaticToken.objects.create(device=backup, token="stuvwxyz")
        assert RFC_SECRET.hex() in raw_secrets()
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    stored = raw_secrets()
    for shown in [*readable_forms(RFC_SECRET), "abcdefgh", "stuvwxyz"]:
        assert shown not in stored, shown
    device = SealedTOTPDevice.objects.get(pk=app.pk)
    assert device.key.startswith("v1:")
    assert device.bin_key == RFC_SECRET
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(
        [code_digest("abcdefgh"), code_digest("stuvwxyz")]
    )
    # The person's app and printed codes go on working.
    client = Client()
    sign_in_password(client, "lan")
    assert sign_in_code(client, code_now(device)).status_code == 302
    assert is_signed_in(client)
    client = Client()
    sign_in_password(client, "lan")
    assert sign_in_code(client, "stuvwxyz", backup=True).status_code == 302
    assert is_signed_in(client)


def test_a_secret_stored_plain_by_the_admin_form_still_works_and_is_sealed_on_use(
    world: World,
) -> None:
    # django-otp's admin "add" form saves its own model, with the hex key it shows.
    PlainTOTPDevice.objects.create(
        user=world.lan, name="authenticator app", confirmed=True, key=RFC_SECRET.hex()
    )
    device = SealedTOTPDevice.objects.get(user=world.lan)
    assert device.bin_key == RFC_SECRET
    client = Client()
    sign_in_password(client, "lan")
    assert sign_in_code(client, code_now(device)).status_code == 302
    device.refresh_from_db()
    assert device.key.startswith("v1:")
    assert RFC_SECRET.hex() not in raw_secrets()
    assert unhexlify(RFC_SECRET.hex()) == device.bin_key


@pytest.mark.parametrize("stored", ["v1:bm90LXNlYWxlZA==", "v1:!!!"])
def test_a_damaged_sealed_secret_refuses_the_code_without_an_error_page(
    world: World, stored: str
) -> None:
    device, _codes = turn_on(world.lan)
    SealedTOTPDevice.objects.filter(pk=device.pk).update(key=stored)
    client = Client()
    sign_in_password(client, "lan")
    assert sign_in_code(client, "123456").status_code == 400
    assert not is_signed_in(client)
