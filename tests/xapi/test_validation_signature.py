"""Signed statements (Data 2.6): JWS decoding, alg, payload comparison (Data 2.3.1) and x5c RSA verification."""
from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path

import pytest

from lms.xapi.validation import StatementError, validate_signature, validate_statement
from tests.xapi.test_validation_samples import ACCOUNT_AGENT, AGENT, SHA1_AGENT, stmt

# The example key pair of xAPI-Data.md Appendix D (public example data, not a secret).
SPEC_PRIVATE_KEY_DER = base64.b64decode(
    "MIICXAIBAAKBgQDjxvZXF30WL4oKjZYXgR0ZyaX+u3y6+JqTqiNkFa/VTnet6Ly2OT6ZmmcJEPnq3UnewpHoOQ+GfhhTkW13j06j"
    "5iNn4obcCVWTL9yXNvJH+Ko+xu4Yl/ySPRrIPyTjtHdG0M2XzIlmmLqm+CAS+KCbJeH4tf543kIWC5pC5p3cVQIDAQABAoGAOejd"
    "vGq2XKuddu1kWXl0Aphn4YmdPpPyCNTaxplU6PBYMRjY0aNgLQE6bO2p/HJiU4Y4PkgzkEgCu0xf/mOq5DnSkX32ICoQS6jChABA"
    "e20ErPfm5t8h9YKsTfn940lAouuwD9ePRteizd4YvHtiMMwmh5PtUoCbqLefawNApAECQQD1mdBW3zL0okUx2pc4tttn2qArCG4C"
    "sEZMLlGRDd3FwPWJz3ZPNEEgZWXGSpA9F1QTZ6JYXIfejjRoUuvRMWeBAkEA7WvzDBNcv4N+xeUKvH8ILti/BM58LraTtqJlzjQS"
    "ovek0srxtmDg5of+xrxN6IM4p7yvQa+7YOUOukrVXjG+1QJBAI2mBrjzxgm9xTa5odn97JD7UMFA/WHjlMe/Nx/35V52qaav1sZb"
    "luw+TvKMcqApYj5G2SUpSNudHLDGkmd2nQECQFfclBRK8g7ZncekbGW3aRLVGVOxClnLLTzwOlamBKOUm8V6XxsMHQ6TE2D+fKJo"
    "NUY12HGpk+FWwy2D1hRGuoUCQAXfaLSxtaWdPtlZTPVueF7ZikQDsVg+vtTFgpuHloR26EVc1RbHHZm32yvGDY8IkcoMfJQqLOND"
    "dLfS/05yoNU="
)
SPEC_CERTIFICATE = (
    "MIIDATCCAmqgAwIBAgIJAMB1csNuA6+kMA0GCSqGSIb3DQEBBQUAMHExCzAJBgNVBAYTAlVTMRIwEAYDVQQIEwlUZW5uZXNzZWUx"
    "GDAWBgNVBAoTD0V4YW1wbGUgQ29tcGFueTEQMA4GA1UEAxMHRXhhbXBsZTEiMCAGCSqGSIb3DQEJARYTZXhhbXBsZUBleGFtcGxl"
    "LmNvbTAeFw0xMzA0MDQxNTI4MzBaFw0xNDA0MDQxNTI4MzBaMIGWMQswCQYDVQQGEwJVUzESMBAGA1UECBMJVGVubmVzc2VlMREw"
    "DwYDVQQHEwhGcmFua2xpbjEYMBYGA1UEChMPRXhhbXBsZSBDb21wYW55MRAwDgYDVQQLEwdFeGFtcGxlMRAwDgYDVQQDEwdFeGFt"
    "cGxlMSIwIAYJKoZIhvcNAQkBFhNleGFtcGxlQGV4YW1wbGUuY29tMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDjxvZXF30W"
    "L4oKjZYXgR0ZyaX+u3y6+JqTqiNkFa/VTnet6Ly2OT6ZmmcJEPnq3UnewpHoOQ+GfhhTkW13j06j5iNn4obcCVWTL9yXNvJH+Ko+"
    "xu4Yl/ySPRrIPyTjtHdG0M2XzIlmmLqm+CAS+KCbJeH4tf543kIWC5pC5p3cVQIDAQABo3sweTAJBgNVHRMEAjAAMCwGCWCGSAGG"
    "+EIBDQQfFh1PcGVuU1NMIEdlbmVyYXRlZCBDZXJ0aWZpY2F0ZTAdBgNVHQ4EFgQUVs3v5afEdOeoYeVajAQE4v0WS1QwHwYDVR0j"
    "BBgwFoAUyVIc3yvra4EBz20I4BF39IAixBkwDQYJKoZIhvcNAQEFBQADgYEAgS/FF5D0Hnj44rvT6kgn3kJAvv2lj/fyjztKIrYS"
    "33ljXGn6gGyA4qtbXA23PrO4uc/wYCSDICDpPobh62xTCd9qObKhgwWOi05PSBLqUu3mwfAe15LJBJBqPVZ4K0kppePBU8m6aIZo"
    "H57L/9t4OoaL8yKs/qjKFeI1OFWZxvA="
)
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
DIGEST_INFO = {
    "RS256": ("sha256", "3031300d060960864801650304020105000420"),
    "RS384": ("sha384", "3041300d060960864801650304020205000430"),
    "RS512": ("sha512", "3051300d060960864801650304020305000440"),
}


def _der_integers(der: bytes) -> list[int]:
    """The INTEGERs of a PKCS#1 RSAPrivateKey SEQUENCE (version, n, e, d, p, q, ...)."""
    def header(pos: int) -> tuple[int, int]:
        length, pos = der[pos + 1], pos + 2
        if length & 0x80:
            count = length & 0x7F
            length, pos = int.from_bytes(der[pos:pos + count], "big"), pos + count
        return pos, length

    pos, _ = header(0)
    values = []
    while pos < len(der):
        start, length = header(pos)
        values.append(int.from_bytes(der[start:start + length], "big"))
        pos = start + length
    return values


_, N, E, D, *_ = _der_integers(SPEC_PRIVATE_KEY_DER)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rsa_sign(message: bytes, alg: str = "RS256", n: int = N, d: int = D) -> bytes:
    name, prefix = DIGEST_INFO[alg]
    digest = bytes.fromhex(prefix) + hashlib.new(name, message).digest()
    k = (n.bit_length() + 7) // 8
    encoded = b"\x00\x01" + b"\xff" * (k - len(digest) - 3) + b"\x00" + digest
    return pow(int.from_bytes(encoded, "big"), d, n).to_bytes(k, "big")


def make_jws(payload: object, *, alg: str = "RS256", x5c: bool = True, header: dict | None = None,
             raw_payload: bytes | None = None) -> bytes:
    head = header if header is not None else {"alg": alg, **({"x5c": [SPEC_CERTIFICATE]} if x5c else {})}
    protected = b64url(json.dumps(head).encode())
    body = b64url(raw_payload if raw_payload is not None else json.dumps(payload).encode())
    signing_alg = alg if alg in DIGEST_INFO else "RS256"
    signature = b64url(rsa_sign(f"{protected}.{body}".encode("ascii"), signing_alg))
    return f"{protected}.{body}.{signature}".encode("ascii")


def signed(statement: dict, jws: bytes, content_type: str = "application/octet-stream") -> dict:
    """The received statement: the signed one plus its signature attachment header."""
    out = copy.deepcopy(statement)
    out["attachments"] = [*out.get("attachments", []), {
        "usageType": SIGNATURE_USAGE, "display": {"en-US": "Signature"}, "contentType": content_type,
        "length": len(jws), "sha2": hashlib.sha256(jws).hexdigest()}]
    return out


ORIGINAL = stmt(id="33cff416-e331-4c9d-969e-5373a1756120", actor=AGENT, timestamp="2013-04-01T12:00:00Z",
                verb={"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
                object={"objectType": "Activity", "id": "https://www.youtube.com/watch?v=xh4kIiH3Sm8",
                        "definition": {"name": {"en-US": "Tax Tips"}}})


def _rejects(statement: dict, jws: bytes, fragment: str) -> None:
    with pytest.raises(StatementError) as caught:
        validate_signature(statement, jws)
    assert caught.value.path == "attachments"
    assert fragment in caught.value.rule, caught.value.rule


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_statement_signed_with_x5c_certificate_verifies(alg: str) -> None:
    jws = make_jws(ORIGINAL, alg=alg)
    received = signed(ORIGINAL, jws)
    validate_statement(received)
    validate_signature(received, jws)


def test_signature_without_x5c_passes_on_structure_alone() -> None:
    jws = make_jws(ORIGINAL, x5c=False)
    validate_signature(signed(ORIGINAL, jws), jws)


def test_spec_appendix_d_example_signature_verifies() -> None:
    spec = Path("/work/shared/specs/xapi-1.0.3/xAPI-Data.md")
    if not spec.exists():
        pytest.skip("spec text not available")
    text = spec.read_text()
    blocks = text[text.index("### Appendix D"):].split("```\n")[1::2]
    jws, statement = blocks[5].strip().encode(), json.loads(blocks[6])
    validate_statement(statement)
    validate_signature(statement, jws)
    tampered = jws[:-10] + (b"A" if jws[-10:-9] != b"A" else b"B") + jws[-9:]
    _rejects(statement, tampered, "does not verify")


def test_tampered_signature_does_not_verify_against_x5c() -> None:
    jws = make_jws(ORIGINAL)
    protected, body, signature = jws.decode().split(".")
    forged = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    forged = bytes([forged[0] ^ 1]) + forged[1:]
    bad = f"{protected}.{body}.{b64url(forged)}".encode()
    _rejects(signed(ORIGINAL, bad), bad, "does not verify")


def test_payload_signed_then_changed_does_not_verify() -> None:
    jws = make_jws(ORIGINAL)
    protected, _, signature = jws.decode().split(".")
    changed = stmt(ORIGINAL, verb={"id": "http://adlnet.gov/expapi/verbs/failed"})
    bad = f"{protected}.{b64url(json.dumps(changed).encode())}.{signature}".encode()
    _rejects(signed(changed, bad), bad, "does not verify")


@pytest.mark.parametrize(("change", "value"), [
    ("verb", {"id": "http://adlnet.gov/expapi/verbs/failed"}),
    ("actor", SHA1_AGENT),
    ("result", {"success": True}),
    ("id", "9e2e1f14-7d6b-4f6e-8f35-2f5e6b0e6a11"),
    ("timestamp", "2013-04-01T12:00:01Z"),
    ("object", {"id": "https://example.com/other"}),
])
def test_statement_that_differs_from_the_signed_payload_is_rejected(change: str, value: object) -> None:
    jws = make_jws(ORIGINAL)
    _rejects(signed(stmt(ORIGINAL, **{change: value}), jws), jws, "not logically equivalent")


def test_differences_the_spec_lists_as_immutability_exceptions_are_ignored() -> None:
    payload = stmt(ORIGINAL, id=..., version=..., actor={**AGENT, "mbox": "mailto:ada@EXAMPLE.com"},
                   context={"team": {"objectType": "Group", "member": [AGENT, ACCOUNT_AGENT]},
                            "contextActivities": {"parent": {"id": "http://example.com/course"}}})
    received = stmt(payload, id=ORIGINAL["id"], version="1.0.0", timestamp="2013-04-01T07:00:00-05:00",
                    stored="2013-04-02T00:00:00Z", authority=ACCOUNT_AGENT,
                    actor={k: v for k, v in AGENT.items() if k != "objectType"},
                    verb={"id": ORIGINAL["verb"]["id"], "display": {"en-GB": "experienced"}},
                    object={"id": ORIGINAL["object"]["id"], "definition": {"name": {"en-US": "Renamed"}}},
                    context={"team": {"objectType": "Group", "member": [ACCOUNT_AGENT, AGENT]},
                             "contextActivities": {"parent": [{"id": "http://example.com/course",
                                                               "objectType": "Activity"}]}})
    jws = make_jws(payload)
    validate_signature(signed(received, jws), jws)


@pytest.mark.parametrize("alg", ["HS256", "none", "ES256", "PS256", "rs256", None, 256])
def test_algorithm_other_than_rs256_rs384_rs512_is_rejected(alg: object) -> None:
    jws = make_jws(ORIGINAL, header={"alg": alg})
    _rejects(signed(ORIGINAL, jws), jws, "RS256, RS384 or RS512")


def test_header_without_alg_or_not_json_is_rejected() -> None:
    jws = make_jws(ORIGINAL, header={"typ": "JWT"})
    _rejects(signed(ORIGINAL, jws), jws, "RS256")
    bad = b"bm90IGpzb24." + jws.split(b".", 1)[1]
    _rejects(signed(ORIGINAL, bad), bad, "header is not JSON")


def test_payload_that_is_not_json_is_rejected() -> None:
    broken = json.dumps(ORIGINAL).replace('"', "'", 1).encode()  # the conformance suite's "breakJson"
    jws = make_jws(None, raw_payload=broken)
    _rejects(signed(ORIGINAL, jws), jws, "not a valid JSON serialization")


def test_payload_that_is_not_a_statement_object_is_rejected() -> None:
    jws = make_jws([ORIGINAL])
    _rejects(signed(ORIGINAL, jws), jws, "not a Statement object")


@pytest.mark.parametrize(("jws", "fragment"), [
    (b"onlyonepart", "three dot-separated parts"),
    (b"a.b.c.d", "three dot-separated parts"),
    (b"eyJhbGciOiJSUzI1NiJ9.e30.", "signature is empty"),
    (b"eyJhbGciOiJSUzI1NiJ9.e30.sig+/", "not base64url"),
    (b"e30!.e30.c2ln", "not base64url"),
    ("é.e30.c2ln".encode(), "not ASCII"),
    (b"{not json", "not JSON"),
    (b'{"payload": "e30"}', "lacks protected/payload/signature"),
])
def test_malformed_jws_serializations_are_rejected(jws: bytes, fragment: str) -> None:
    _rejects(signed(ORIGINAL, jws), jws, fragment)


def test_jws_json_serialization_is_understood() -> None:
    protected, payload, signature = make_jws(ORIGINAL).decode().split(".")
    flattened = json.dumps({"protected": protected, "payload": payload, "signature": signature}).encode()
    validate_signature(signed(ORIGINAL, flattened), flattened)
    general = json.dumps({"payload": payload, "signatures": [{"protected": protected, "signature": signature}]})
    validate_signature(signed(ORIGINAL, general.encode()), general.encode())


def test_statement_without_a_signature_attachment_is_rejected() -> None:
    jws = make_jws(ORIGINAL)
    _rejects(ORIGINAL, jws, "usageType")
    _rejects(stmt(ORIGINAL, attachments=[{"usageType": "http://example.com/other"}]), jws, "usageType")


def test_signature_attachment_with_wrong_content_type_is_rejected() -> None:
    jws = make_jws(ORIGINAL)
    received = signed(ORIGINAL, jws, content_type="text/plain; charset=ascii")
    _rejects(received, jws, "application/octet-stream")
    with pytest.raises(StatementError) as caught:
        validate_statement(received)
    assert caught.value.path == "attachments[0].contentType"


@pytest.mark.parametrize("x5c", [
    [], "MIIB", [123], ["not base64!"], [base64.b64encode(b"\x30\x03\x02\x01\x01").decode()],
    [base64.b64encode(b"garbage").decode()],
])
def test_unusable_x5c_certificate_is_rejected(x5c: object) -> None:
    jws = make_jws(ORIGINAL, header={"alg": "RS256", "x5c": x5c})
    _rejects(signed(ORIGINAL, jws), jws, "x5c")


def test_signature_by_a_different_key_does_not_verify() -> None:
    other_n, other_d = 3233, 2753  # toy key: far too short, so the length check fails first
    header = {"alg": "RS256", "x5c": [SPEC_CERTIFICATE]}
    protected = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(ORIGINAL).encode())
    signature = pow(12345, other_d, other_n).to_bytes(2, "big")
    jws = f"{protected}.{body}.{b64url(signature)}".encode()
    _rejects(signed(ORIGINAL, jws), jws, "does not verify")
