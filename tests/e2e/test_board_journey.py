"""The demo board member in a real browser: verify a certificate by code and see its evidence, check a
downloaded credential file and a tampered one, and check a CSV of codes in bulk."""
from __future__ import annotations

import base64
import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

BOARD = "board@example.org"
FILE_LABEL = "Credential file (.json or .jwt)"


def tamper(jwt: str) -> str:
    """The same signed credential with its expiry pushed a year later: the signature no longer fits."""
    header, payload, signature = jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] += 365 * 24 * 3600
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join((header, forged, signature))


def test_board_verifies_by_code_file_tampered_file_and_bulk(live_server, new_page, shot, tmp_path):
    cert = live_server.cert
    page = new_page(BOARD)

    # By code, typed the way people copy it: lower case, spaces instead of dashes.
    page.goto("/verify")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify a certificate")
    page.get_by_label("Certificate code").fill(cert["code"].lower().replace("-", " "))
    shot(page, "verify-form")
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificate verification")
    expect(page.locator("#verify-status")).to_have_text("Status: Active")
    details = page.locator("dl.details").first
    expect(details).to_contain_text(cert["holder"])
    expect(details).to_contain_text("Peer Recovery Core Training")
    expect(details).to_contain_text(cert["code"])
    evidence = page.locator("section.verify-evidence")
    expect(evidence.get_by_role("heading", name="Evidence at issue")).to_be_visible()
    expect(evidence.get_by_role("table", name="Courses completed").locator("tbody tr")).to_have_count(5)
    expect(evidence.get_by_role("table", name="Assessment and scenario results").locator("tbody tr")).to_have_count(10)
    shot(page, "verify-result")

    # A credential file downloaded from the certificate's page, then uploaded for checking.
    page.goto(f"/certificates/{cert['id']}")
    with page.expect_download() as info:
        page.get_by_role("link", name="Signed credential (VC-JWT)").click()
    jwt_path = tmp_path / info.value.suggested_filename
    info.value.save_as(jwt_path)
    assert jwt_path.suffix == ".jwt"
    page.goto("/verify/file")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify a credential file")
    page.get_by_label(FILE_LABEL).set_input_files(jwt_path)
    page.get_by_role("button", name="Verify the file").click()
    result = page.locator("section.verify-result")
    expect(result.get_by_role("heading")).to_have_text("The credential is genuine and valid")
    steps = result.locator("tbody tr")
    expect(steps.first).to_be_visible()
    names = steps.locator("th").all_inner_texts()
    assert {"Format", "Signature", "Issuer", "Status"} <= set(names), names
    for i in range(steps.count()):
        expect(steps.nth(i).locator(".cert-step")).to_have_text("Passed")
    expect(page.locator("main")).to_contain_text("The certificate this credential describes is now Active")
    shot(page, "file-passed")

    # The same file with its expiry edited: refused at the signature.
    forged = tmp_path / "forged.jwt"
    forged.write_text(tamper(jwt_path.read_text()))
    page.get_by_label(FILE_LABEL).set_input_files(forged)
    page.get_by_role("button", name="Verify the file").click()
    result = page.locator("section.verify-result")
    expect(result.get_by_role("heading")).to_have_text("The credential could not be verified")
    signature = result.locator("tbody tr", has=page.locator("th", has_text="Signature"))
    expect(signature.locator(".cert-step")).to_have_text("Failed")
    expect(result.locator(".cert-step-pass", has_text="Passed")).to_have_count(1)  # only the format
    shot(page, "file-tampered")

    # Bulk: a CSV with the real code, a well-formed code nobody holds, and a junk row.
    from lms.certificates.codes import format_code, new_code

    unknown = format_code(new_code())
    csv = f"code\n{cert['code']}\n{unknown}\nnot a code!\n"
    page.goto("/verify/bulk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify many certificates")
    page.get_by_label("Or upload a CSV file").set_input_files(
        {"name": "codes.csv", "mimeType": "text/csv", "buffer": csv.encode()})
    page.get_by_role("button", name="Verify", exact=True).click()
    table = page.get_by_role("table", name="Results for 3 rows")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(cert["code"])
    expect(rows.nth(0).locator(".cert-status")).to_have_text("Active")
    expect(rows.nth(0)).to_contain_text(cert["holder"])
    expect(rows.nth(1).locator(".cert-status")).to_have_text("Not found")
    expect(rows.nth(2)).to_contain_text("not a code!")
    expect(rows.nth(2).locator(".cert-status")).to_have_text("Not a valid code")
    shot(page, "bulk")
