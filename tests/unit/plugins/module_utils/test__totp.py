"""One-time passwords (plugins/module_utils/_totp.py) against the RFCs' published test vectors."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from ansible_collections.hardening.aws.plugins.module_utils import _totp

# RFC 4226 appendix D: HOTP of the ASCII secret "12345678901234567890", counters 0 to 9.
RFC4226_SECRET = b"12345678901234567890"
RFC4226_HOTP = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]

# RFC 6238 appendix B: 8-digit TOTP, 30 s steps, T0 = 0, one seed per hash function.
RFC6238_SEEDS = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize("counter, expected", list(enumerate(RFC4226_HOTP)))
def test_hotp_rfc4226_vectors(counter, expected):
    assert _totp.hotp(RFC4226_SECRET, counter) == expected


@pytest.mark.parametrize("unix_time, sha1, sha256, sha512", RFC6238)
def test_totp_rfc6238_vectors(unix_time, sha1, sha256, sha512):
    for name, expected in (("sha1", sha1), ("sha256", sha256), ("sha512", sha512)):
        digest = getattr(hashlib, name)
        assert _totp.totp(RFC6238_SEEDS[name], unix_time, digits=8, digest=digest) == expected, name


@pytest.mark.parametrize("unix_time, sha1, _sha256, _sha512", RFC6238)
def test_six_digits_are_the_last_six_of_eight(unix_time, sha1, _sha256, _sha512):
    # AWS uses 6 digits: the same truncated number modulo 10**6.
    assert _totp.totp(RFC6238_SEEDS["sha1"], unix_time) == sha1[-6:]


@pytest.mark.parametrize(
    "unix_time, counter", [(0, 0), (29, 0), (29.999, 0), (30, 1), (59, 1), (60, 2), (1111111109, 37037036)]
)
def test_counter_boundaries(unix_time, counter):
    assert _totp.counter_at(unix_time) == counter


def test_codes_keep_leading_zeros():
    assert _totp.totp(RFC6238_SEEDS["sha1"], 1111111109, digits=8) == "07081804"


SEED = base64.b32encode(b"an AWS-like seed of forty bytes!!!!!!!!").decode()


@pytest.mark.parametrize(
    "given",
    [SEED, SEED.lower(), SEED.rstrip("="), " ".join(SEED[i : i + 4] for i in range(0, len(SEED), 4)), SEED.encode()],
    ids=["plain", "lowercase", "no-padding", "grouped", "bytes"],
)
def test_decode_base32_forms(given):
    assert _totp.decode_base32(given) == b"an AWS-like seed of forty bytes!!!!!!!!"


@pytest.mark.parametrize("bad", ["not base32!", "", "A1"], ids=["symbols", "empty", "digit-1"])
def test_decode_base32_rejects(bad):
    with pytest.raises(ValueError):
        _totp.decode_base32(bad)


@pytest.mark.parametrize("unix_time", [0 + 30, 59, 1111111111, 1700000000.5, 1700000009])
def test_consecutive_codes_are_the_previous_and_current_step(unix_time):
    first, second = _totp.consecutive_codes(SEED, unix_time)
    key = _totp.decode_base32(SEED)
    counter = int(unix_time // 30)
    assert (first, second) == (_totp.hotp(key, counter - 1), _totp.hotp(key, counter))
    assert first != second


@pytest.mark.parametrize("unix_time", [59, 1111111111, 1700000000, 1700000029])
def test_consecutive_codes_match_an_independent_authenticator(unix_time):
    # cryptography's TOTP stands in for an authenticator app reading the same seed.
    app = TOTP(_totp.decode_base32(SEED), 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303 - RFC 6238 is SHA1
    first, second = _totp.consecutive_codes(SEED, unix_time)
    assert second == app.generate(unix_time).decode()
    assert first == app.generate(unix_time - 30).decode()


def test_consecutive_codes_default_to_now(monkeypatch):
    monkeypatch.setattr(_totp.time, "time", lambda: 1111111111)
    assert _totp.consecutive_codes(base64.b32encode(RFC6238_SEEDS["sha1"])) == ("081804", "050471")
