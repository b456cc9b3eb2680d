# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One-time passwords as an authenticator app computes them, standard library only.

HOTP is RFC 4226 (HMAC over an 8-byte big-endian counter, dynamic truncation);
TOTP is RFC 6238 (the counter is the number of ``step``-second periods since
``t0``). AWS virtual MFA devices use TOTP with HMAC-SHA1, 30-second steps and
6 digits, and hand out the key as Base32 text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import time

STEP = 30
DIGITS = 6


def decode_base32(seed):
    """The key bytes of a Base32 seed (str or bytes; case, spaces and padding do not matter)."""
    if isinstance(seed, bytes):
        seed = seed.decode("ascii")
    text = "".join(seed.split()).upper().rstrip("=")
    text += "=" * (-len(text) % 8)
    try:
        key = base64.b32decode(text)
    except (binascii.Error, ValueError):
        raise ValueError("the seed is not Base32 text") from None
    if not key:
        raise ValueError("the seed is empty")
    return key


def hotp(key, counter, digits=DIGITS, digest=hashlib.sha1):
    """RFC 4226 HOTP value of ``counter`` for ``key`` (bytes), as a zero-padded string."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


def counter_at(unix_time, step=STEP, t0=0):
    """The RFC 6238 time step that ``unix_time`` (seconds) falls in."""
    return int((unix_time - t0) // step)


def totp(key, unix_time, step=STEP, digits=DIGITS, digest=hashlib.sha1, t0=0):
    """RFC 6238 TOTP value at ``unix_time`` for ``key`` (bytes)."""
    return hotp(key, counter_at(unix_time, step, t0), digits, digest)


def consecutive_codes(seed, unix_time=None):
    """The two codes that enable a virtual MFA device at ``unix_time`` (default now).

    They are the previous period's code and the current one: what a person sees
    when copying two consecutive codes off an authenticator, the second one still
    on screen. IAM then records the device as in step with the clock, so the first
    code the device's holder types later is accepted.
    """
    key = decode_base32(seed)
    now = time.time() if unix_time is None else unix_time
    counter = counter_at(now)
    return hotp(key, counter - 1), hotp(key, counter)
