"""PDF rendering failing: the certificate is still issued, and the PDF is rendered on a later download."""
from __future__ import annotations

import shutil

from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.db import session as db
from lms.paths import data_dir
from tests.conftest import post_form

CORE = "peer-recovery-core-training"


def _broken_templates(tmp_path):
    root = tmp_path / "certificates"
    shutil.copytree(data_dir("certificates"), root)
    (root / CORE / "template.html").write_text("{% extends 'no-such-base.html' %}", encoding="utf-8")
    return root


def _certificate(app, user_id: int) -> Certificate | None:
    with app.app_context():
        cert = db.scalar(select(Certificate).where(Certificate.user_id == user_id, Certificate.program == CORE))
        if cert is not None:
            db.expunge(cert)
        return cert


def test_issuance_survives_a_failing_pdf_and_the_download_renders_it_later(app, client, make_user, login_as,
                                                                          tmp_path):
    trainee = make_user("trainee", name="Avery Example")
    login_as("admin")
    shipped = app.config.get("LMS_CERTIFICATES_DIR")
    app.config["LMS_CERTIFICATES_DIR"] = str(_broken_templates(tmp_path))

    issued = post_form(client, "/certificates/issue",
                       {"email": trainee.email, "program": CORE, "reason": "Training completed before the platform"},
                       token_from="/certificates/issue")
    assert issued.status_code == 302, issued.get_data(as_text=True)[:500]
    cert = _certificate(app, trainee.id)
    assert cert is not None and cert.status == "active" and cert.credential_jwt  # issued and signed
    assert cert.pdf is None  # the render failed and nothing half-made was stored

    failed = client.get(f"/certificates/{cert.id}/certificate.pdf")
    assert failed.status_code == 503
    assert "try again" in failed.get_data(as_text=True) and "Traceback" not in failed.get_data(as_text=True)
    assert _certificate(app, trainee.id).pdf is None

    # The template is fixed (here: the shipped one again); the next download renders and stores it.
    if shipped is None:
        app.config.pop("LMS_CERTIFICATES_DIR")
    else:
        app.config["LMS_CERTIFICATES_DIR"] = shipped
    rendered = client.get(f"/certificates/{cert.id}/certificate.pdf")
    assert rendered.status_code == 200 and rendered.data.startswith(b"%PDF-")
    assert _certificate(app, trainee.id).pdf == rendered.data
