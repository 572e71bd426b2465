"""Certificate pages over real HTTP: who may open what (as a table), my certificates and the
checklist, downloads, the code-of-ethics attestation, supervisor approval, manual issue and re-issue."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.certificates import issuance
from lms.certificates.models import Attestation, Certificate
from lms.db import session as db
from tests.certificates.core_helpers import CORE, READINESS, meet_core, meet_readiness, program
from tests.conftest import Auth, post_form

# Who gets what. "holder" holds the certificate; "supervisor" supervises the holder; "org-admin"
# administers the holder's organization; the "other" ones have no link to the holder.
ACCESS = """
path                                   anonymous holder other-trainee supervisor other-supervisor org-admin board admin
/certificates                          302       200    200           200        200              200       200   200
/certificates/programs/{core}          302       200    200           200        200              200       200   200
/certificates/{cert}                   302       200    404           200        404              200       200   200
/certificates/{cert}/certificate.json  302       200    404           200        404              200       200   200
/certificates/{cert}/certificate.jwt   302       404    404           404        404              404       404   404
/certificates/{cert}/certificate.pdf   302       200    404           200        404              200       200   200
/certificates/code-of-ethics           302       200    200           200        200              200       200   200
/certificates/approvals                302       403    403           200        200              200       403   200
/certificates/issue                    302       403    403           403        403              403       403   200
"""
ROLES = ACCESS.split("\n")[1].split()[1:]


def _table():
    lines = [line.split() for line in ACCESS.strip().splitlines()[1:]]
    return [(path, role, int(code)) for path, *codes in lines for role, code in zip(ROLES, codes, strict=True)]


@pytest.fixture
def world(app, make_user, make_org, assign):
    """The people of the table, and a core certificate held by `holder` (with a credential JSON but
    no JWT, so .jwt shows the 404 for a missing download)."""
    org, elsewhere = make_org(), make_org("hillside", "Hillside House")
    people = {
        "holder": make_user(org=org, name="Holder Person"),
        "other-trainee": make_user(org=org),
        "supervisor": make_user("supervisor", org=elsewhere),
        "other-supervisor": make_user("supervisor", org=elsewhere),
        "org-admin": make_user("supervisor", org=org, is_org_admin=True),
        "board": make_user("board"),
        "admin": make_user("admin"),
    }
    assign(people["supervisor"], people["holder"])
    with app.app_context():
        holder = db.get(User, people["holder"].id)
        meet_core(holder.id)
        cert = issuance.issue_if_eligible(holder, program(CORE))
        cert.credential_json, cert.credential_jwt = {"type": ["VerifiableCredential", "OpenBadgeCredential"]}, None
        db.commit()
        people["cert"] = cert.id
    return people


def test_access_per_route_and_role(app, world):
    failures, clients = [], {}
    for role in ROLES:  # one signed-in client per role (logins are rate limited)
        clients[role] = app.test_client()
        if role != "anonymous":
            assert Auth(clients[role]).login(world[role].email).status_code == 302
    for path, role, expected in _table():
        client = clients[role]
        url = path.format(cert=world["cert"], core=CORE)
        got = client.get(url).status_code
        if got != expected:
            failures.append(f"{role:<16} {url:<45} expected {expected}, got {got}")
    assert not failures, "\n" + "\n".join(failures)


def test_an_unknown_certificate_is_a_404_for_everyone(client, login_as):
    login_as("admin")
    assert client.get("/certificates/999999").status_code == 404
    assert client.get("/certificates/999999/certificate.pdf").status_code == 404
    assert client.get("/certificates/1/certificate.txt").status_code == 404


def test_my_certificates_shows_status_in_words_and_what_is_missing(app, client, world):
    Auth(client).login(world["holder"].email)
    html = client.get("/certificates").get_data(as_text=True)
    with app.app_context():
        cert = db.get(Certificate, world["cert"])
    assert cert.number in html and ">Active<" in html
    assert "Peer Recovery Practice Readiness" in html  # not held yet: its checklist of what is missing
    assert "Supervisor sign-off" in html and "0 of 500 hours approved." in html
    assert 'href="/certificates/code-of-ethics"' in html
    assert "Course: Ethics and Boundaries" not in html  # met requirements are not listed as missing


def test_program_page_lists_every_requirement_met_or_not(client, login_as):
    login_as()
    html = client.get(f"/certificates/programs/{CORE}").get_data(as_text=True)
    assert html.count("Not met") == 15 and 'href="/courses/ethics"' in html and 'href="/assessments/used-again"' in html
    assert "20 hours of continuing education, including 6 in ethics" in html


def test_detail_page_shows_number_code_hours_and_history(app, client, world):
    Auth(client).login(world["holder"].email)
    html = client.get(f"/certificates/{world['cert']}").get_data(as_text=True)
    with app.app_context():
        cert = db.get(Certificate, world["cert"])
    shown = f"{cert.code[:4]}-{cert.code[4:8]}-{cert.code[8:]}"
    assert cert.number in html and shown in html and f"http://lms.test/verify/{shown}" in html
    assert "Ethical Responsibility" in html and "Total (ethics 6.71)" in html and "12.83" in html
    assert "All requirements met." in html and "Re-issue" not in html


def test_downloads_send_the_stored_documents(client, world):
    Auth(client).login(world["holder"].email)
    response = client.get(f"/certificates/{world['cert']}/certificate.json")
    assert response.mimetype == "application/json" and response.get_json()["type"][1] == "OpenBadgeCredential"
    assert "attachment" in response.headers["Content-Disposition"]
    pdf = client.get(f"/certificates/{world['cert']}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_attesting_to_the_code_of_ethics(app, client, login_as):
    user = login_as()
    page = client.get("/certificates/code-of-ethics").get_data(as_text=True)
    assert "Peer Recovery Code of Ethics" in page and "naadac.org" in page
    refused = post_form(client, "/certificates/code-of-ethics", {}, token_from="/certificates/code-of-ethics")
    assert refused.status_code == 400 and "Tick the box to attest." in refused.get_data(as_text=True)
    response = post_form(client, "/certificates/code-of-ethics", {"agree": "y"},
                         token_from="/certificates/code-of-ethics")
    assert response.status_code == 302
    with app.app_context():
        rows = db.scalars(select(Attestation).where(Attestation.user_id == user.id)).all()
        assert len(rows) == 1 and rows[0].kind == "code-of-ethics"
    assert "You have attested" in client.get("/certificates/code-of-ethics").get_data(as_text=True)


def test_a_supervisor_approves_from_the_approvals_page(app, client, world):
    with app.app_context():
        meet_readiness(world["holder"].id, world["supervisor"].id)
        db.commit()
    Auth(client).login(world["other-supervisor"].email)
    url = f"/certificates/approvals/{world['holder'].id}/{READINESS}"
    assert post_form(client, url, token_from="/certificates/approvals").status_code == 404
    Auth(client).logout()
    Auth(client).login(world["supervisor"].email)
    page = client.get("/certificates/approvals").get_data(as_text=True)
    assert "Holder Person" in page and "Peer Recovery Practice Readiness" in page
    response = post_form(client, url, token_from="/certificates/approvals", follow_redirects=True)
    assert "Peer Recovery Practice Readiness issued to Holder Person (PRPR-" in response.get_data(as_text=True)
    assert "Nothing is waiting for your approval." in response.get_data(as_text=True)
    with app.app_context():
        assert issuance.current_certificate(world["holder"].id, READINESS) is not None


def test_admin_issues_by_hand_and_bad_input_is_a_400(app, client, world):
    Auth(client).login(world["admin"].email)
    form = {"email": "nobody@example.org", "program": CORE, "reason": "Academy 2025"}
    bad = post_form(client, "/certificates/issue", form, token_from="/certificates/issue")
    assert bad.status_code == 400 and "No account has this e-mail address." in bad.get_data(as_text=True)
    bad = post_form(client, "/certificates/issue", {**form, "email": world["other-trainee"].email, "reason": ""},
                    token_from="/certificates/issue")
    assert bad.status_code == 400
    bad = post_form(client, "/certificates/issue", {**form, "email": world["other-trainee"].email,
                                                    "program": "no-such-program"}, token_from="/certificates/issue")
    assert bad.status_code == 400
    ok = post_form(client, "/certificates/issue", {**form, "email": world["other-trainee"].email},
                   token_from="/certificates/issue")
    assert ok.status_code == 302
    with app.app_context():
        cert = issuance.current_certificate(world["other-trainee"].id, CORE)
        assert cert is not None and ok.headers["Location"].endswith(f"/certificates/{cert.id}")
    again = post_form(client, "/certificates/issue", {**form, "email": world["holder"].email},
                      token_from="/certificates/issue")
    assert again.status_code == 400 and "re-issue it instead" in again.get_data(as_text=True)


def test_admin_reissues_with_a_reason(app, client, world):
    Auth(client).login(world["admin"].email)
    detail = f"/certificates/{world['cert']}"
    assert "Re-issue certificate" in client.get(detail).get_data(as_text=True)
    refused = post_form(client, f"{detail}/reissue", {"reason": ""}, token_from=detail, follow_redirects=True)
    assert "Give the reason for re-issuing." in refused.get_data(as_text=True)
    response = post_form(client, f"{detail}/reissue", {"reason": "Name corrected"}, token_from=detail)
    assert response.status_code == 302
    with app.app_context():
        old = db.get(Certificate, world["cert"])
        new = issuance.current_certificate(world["holder"].id, CORE)
        assert old.status == "superseded" and new.replaces_id == old.id
    assert "Superseded" in client.get(detail).get_data(as_text=True)
    Auth(client).logout()
    Auth(client).login(world["supervisor"].email)
    assert post_form(client, f"/certificates/{new.id}/reissue", {"reason": "x"},
                     token_from="/certificates").status_code == 403


def test_cli_issues_by_hand(app, runner, make_user):
    trainee, admin = make_user(), make_user("admin")
    result = runner.invoke(args=["lms", "certificates", "issue", "--email", trainee.email, "--program", CORE,
                                 "--reason", "Academy 2025", "--admin", admin.email])
    assert result.exit_code == 0, result.output
    assert "Issued PRCT-" in result.output
    result = runner.invoke(args=["lms", "certificates", "issue", "--email", trainee.email, "--program", CORE,
                                 "--reason", "Again"])
    assert result.exit_code == 1 and "re-issue it instead" in result.output


def test_the_demo_has_a_trainee_holding_the_core_certificate(app, runner, client, auth):
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    with app.app_context():
        riley = db.scalar(select(User).where(User.email == "riley@example.org"))
        cert = issuance.current_certificate(riley.id, CORE)
        assert cert is not None and cert.issued_by_id is None  # earned through the real services
    auth.login("riley@example.org", "peer-demo-2026")
    assert cert.number in client.get("/certificates").get_data(as_text=True)
