"""The public /verify pages: status in words and colour for every status, not found, malformed
codes, and the evidence summary that only board members and admins see."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lms.db import utcnow
from tests.certificates.verify_support import EVIDENCE_COURSE, SIGN_OFF_STATEMENT, formatted, insert_certificate
from tests.conftest import post_form


@pytest.fixture
def holder(make_user):
    return make_user("trainee")


def page(client, code: str):
    response = client.get(f"/verify/{code}")
    return response, response.get_data(as_text=True)


def test_active_certificate_page_shows_record_status_and_issuer(app, client, holder):
    cert = insert_certificate(app, holder.id)
    response, html = page(client, formatted(cert["code"]))
    assert response.status_code == 200
    assert 'class="cert-status cert-status-active">Active<' in html
    for text in ("Robin Example", "Peer Recovery Core Training", cert["number"], formatted(cert["code"]),
                 "2026-01-15", 'href="http://lms.test">Peer Recovery Training</a>', "What each status means"):
        assert text in html
    assert response.headers["Cache-Control"] == "no-cache"


def test_code_is_accepted_in_lower_case_without_dashes(app, client, holder):
    cert = insert_certificate(app, holder.id)
    response, html = page(client, cert["code"].lower())
    assert response.status_code == 200 and cert["number"] in html


def test_expired_certificate_says_expired_with_the_date(app, client, holder):
    ended = utcnow() - timedelta(days=3)
    cert = insert_certificate(app, holder.id, valid_until=ended)
    response, html = page(client, formatted(cert["code"]))
    assert response.status_code == 200
    assert "cert-status-expired\">Expired<" in html
    assert f"Expired on\n      <strong>{ended.date().isoformat()}</strong>" in html


@pytest.mark.parametrize("status,label", [("suspended", "Suspended"), ("revoked", "Revoked")])
def test_suspended_and_revoked_show_date_and_public_reason(app, client, holder, status, label):
    when = utcnow() - timedelta(days=1)
    cert = insert_certificate(app, holder.id, status=status, reason="Conduct under review by the board",
                              status_changed_at=when)
    response, html = page(client, formatted(cert["code"]))
    assert response.status_code == 200
    assert f'cert-status-{status}">{label}<' in html
    assert f"{label} on\n      <strong>{when.date().isoformat()}</strong>" in html
    assert "Reason given by the issuer: Conduct under review by the board" in html


def test_suspension_beats_expiry(app, client, holder):
    cert = insert_certificate(app, holder.id, status="suspended", valid_until=utcnow() - timedelta(days=1))
    assert 'cert-status-suspended">Suspended<' in page(client, formatted(cert["code"]))[1]


def test_superseded_points_to_the_newer_certificate_and_its_status(app, client, holder):
    old = insert_certificate(app, holder.id, status="superseded", reason="Superseded by PRCT-2026-9")
    insert_certificate(app, holder.id, replaces_id=old["id"])
    response, html = page(client, formatted(old["code"]))
    assert response.status_code == 200
    assert 'cert-status-superseded">Superseded<' in html
    assert "Replaced by a newer certificate. The newer certificate is" in html
    assert re.search(r'newer certificate is\s+<span class="cert-status cert-status-active">Active</span>', html)
    assert "Reason given by the issuer" not in html


def test_superseded_shows_a_revoked_replacement_as_revoked(app, client, holder):
    old = insert_certificate(app, holder.id, status="superseded")
    insert_certificate(app, holder.id, status="revoked", replaces_id=old["id"])
    html = page(client, formatted(old["code"]))[1]
    assert re.search(r'newer certificate is\s+<span class="cert-status cert-status-revoked">Revoked</span>', html)


def test_unknown_code_is_404_not_found_and_reveals_nothing(app, client, holder):
    from lms.certificates.codes import new_code

    insert_certificate(app, holder.id)
    first, html = page(client, formatted(new_code()))
    second, other = page(client, new_code())
    assert first.status_code == second.status_code == 404
    assert "<h2>Not found</h2>" in html
    assert "Robin Example" not in html and "PRCT-" not in html
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", html) == strip.sub("", other)  # identical for any unknown code


@pytest.mark.parametrize("bad", ["ABCD", "not-a-code", "TY74-CKWN-BEHX", "!!!!-!!!!-!!!"])
def test_malformed_code_is_400_with_a_clear_message(client, bad):
    response, html = page(client, bad)
    assert response.status_code == 400
    assert "That is not a valid certificate code" in html


def test_wrong_check_character_is_malformed_not_a_lookup(app, client, holder):
    cert = insert_certificate(app, holder.id)
    code = cert["code"]
    wrong = code[:11] + ("0" if code[11] != "0" else "1")
    response, html = page(client, wrong)
    assert response.status_code == 400 and cert["number"] not in html


def test_verify_form_redirects_to_the_record(app, client, holder):
    cert = insert_certificate(app, holder.id)
    response = post_form(client, "/verify", {"code": cert["code"].lower()}, token_from="/verify")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{formatted(cert['code'])}")


def test_verify_form_malformed_code_shows_the_problem(client):
    response = post_form(client, "/verify", {"code": "hello"}, token_from="/verify")
    assert response.status_code == 400
    assert "That is not a valid certificate code" in response.get_data(as_text=True)


def test_verify_form_empty_code_asks_for_one(client):
    response = post_form(client, "/verify", {"code": ""}, token_from="/verify")
    assert response.status_code == 400
    assert "Enter the code printed on the certificate." in response.get_data(as_text=True)


def test_verify_form_needs_its_csrf_token(client):
    response = client.post("/verify", data={"code": "ABCD-EFGH-JKM"})
    assert response.status_code == 400 and "Location" not in response.headers


@pytest.mark.parametrize("role", ["board", "admin"])
def test_board_and_admin_see_the_evidence_summary(app, client, holder, login_as, role):
    cert = insert_certificate(app, holder.id)
    login_as(role)
    html = page(client, formatted(cert["code"]))[1]
    assert "Evidence at issue" in html
    for text in (EVIDENCE_COURSE, "Late-night text scenario", "85%", "Ethical Responsibility", "46 h",
                 "500 h", "25 h", "Signed off by Sam Supervisor on 2026-01-15", SIGN_OFF_STATEMENT,
                 "Sharing lived experience with purpose: proficient"):
        assert text in html, text


@pytest.mark.parametrize("role", [None, "trainee", "supervisor"])
def test_others_do_not_see_the_evidence(app, client, holder, login_as, role):
    cert = insert_certificate(app, holder.id)
    if role:
        login_as(role)
    html = page(client, formatted(cert["code"]))[1]
    assert "Robin Example" in html
    assert "Evidence at issue" not in html and EVIDENCE_COURSE not in html and SIGN_OFF_STATEMENT not in html


def test_verify_pages_are_public(client):
    for url in ("/verify", "/verify/file", "/verify/bulk"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'name="csrf_token"' in response.get_data(as_text=True)


@pytest.mark.parametrize("data", ["0000000000", "ZZZZZZZZZZ", "0123456789", "ABCDEFGHJK"])
def test_codes_round_trip_through_form_link_and_page(app, client, holder, data):
    from lms.certificates.codes import check_symbol

    code = data + check_symbol(data)
    cert = insert_certificate(app, holder.id, code=code)
    location = post_form(client, "/verify", {"code": code.lower()}, token_from="/verify").headers["Location"]
    response = client.get(location)
    assert response.status_code == 200 and cert["number"] in response.get_data(as_text=True)
    bulk = post_form(client, "/verify/bulk", {"codes": code}, token_from="/verify/bulk")
    link = re.search(r'<a href="(/verify/[^"]+)">', bulk.get_data(as_text=True))[1]
    assert client.get(link).status_code == 200
