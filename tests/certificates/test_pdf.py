"""Certificate PDF: what it prints, the QR code it carries, escaping, storing once, and failing clearly."""
from __future__ import annotations

import io
import os
import re
import shutil
from datetime import UTC, date, datetime

import pypdf
import pypdfium2
import pytest
import zxingcpp

from lms.certificates.codes import format_code, new_code, verify_url
from lms.certificates.models import Certificate
from lms.certificates.pdf import PDFError, certificates_dir, ensure_pdf, render_html, render_pdf, standalone_html
from lms.db import session as db

CORE = "peer-recovery-core-training"
READINESS = "peer-recovery-practice-readiness"
DOMAINS = {"advocacy": "Advocacy", "mentoring-education": "Mentoring/Education",
           "recovery-wellness": "Recovery/Wellness Support", "ethical-responsibility": "Ethical Responsibility"}


def snapshot(holder: str = "Jordan Rivera", program: str = "Peer Recovery Core Training") -> dict:
    return {
        "holder_name": holder,
        "program_name": program,
        "hours": {"total": 46.5, "by_domain": {"advocacy": 10.0, "mentoring-education": 10.0,
                                               "recovery-wellness": 10.5, "ethical-responsibility": 16.0},
                  "ethics": 16.0},
        "domain_names": DOMAINS,
        "courses": [{"slug": "ethics", "title": "Ethics in Peer Support", "completed_on": "2026-10-01"}],
        "assessments": [{"id": "ethics-final", "title": "Ethics final", "score": 0.9, "passed_on": "2026-10-02"}],
        "competencies": [{"id": "icrc-advocacy", "name": "Advocacy", "level": "proficient"}],
        "practice_hours": {"practice": 500.0, "supervision": 25.0},
        "sign_off": {"supervisor": "Morgan Lee", "signed_at": "2026-11-20T15:30:00+00:00",
                     "statement": "Ready for supervised practice."},
        "issuer": {"name": "Peer Recovery Training", "url": "http://lms.test"},
        "signatory": {"name": "Alex Chen", "title": "Training Director"},
    }


@pytest.fixture
def make_cert(ctx, make_user):
    counter = {"n": 0}

    def factory(program: str = CORE, *, holder: str = "Jordan Rivera", awarded_on: date = date(2024, 11, 2),
                valid_until: datetime | None = datetime(2028, 11, 29, tzinfo=UTC)) -> Certificate:
        counter["n"] += 1
        cert = Certificate(number=f"PRCT-2026-{counter['n']:06d}", code=new_code(), user_id=make_user().id,
                           program=program, awarded_on=awarded_on, issued_at=datetime(2026, 11, 29, 9, tzinfo=UTC),
                           valid_until=valid_until, snapshot=snapshot(holder), status_index=counter["n"])
        db.add(cert)
        db.flush()
        return cert

    return factory


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return re.sub(r"\s+", " ", reader.pages[0].extract_text())


def qr_texts(data: bytes) -> list[str]:
    doc = pypdfium2.PdfDocument(data)
    try:
        page = doc[0]
        image = page.render(scale=2).to_pil()
        page.close()
    finally:
        doc.close()
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_pdf_prints_holder_program_hours_dates_number_and_code(make_cert):
    cert = make_cert()
    text = pdf_text(render_pdf(cert))
    url = verify_url(cert.code)
    for expected in ("Certificate of Completion", "Jordan Rivera", "Peer Recovery Core Training", cert.number,
                     format_code(cert.code), "Hours by IC&RC domain", "Advocacy 10", "Mentoring/Education 10",
                     "Recovery/Wellness Support 10.5", "Ethical Responsibility 16", "Total 46.5",
                     "Of which ethics 16", "Issued 29 November 2026", "First awarded 2 November 2024",
                     "Valid until 29 November 2028", "Alex Chen", "Training Director, Peer Recovery Training",
                     f"Verify at {url} or scan the code"):
        assert expected in text, expected


def test_qr_code_decodes_to_the_verify_url(make_cert):
    cert = make_cert()
    assert qr_texts(render_pdf(cert)) == [f"http://lms.test/verify/{format_code(cert.code)}"]


def test_certificate_without_expiry_says_so_and_omits_first_award_on_first_issue(make_cert):
    cert = make_cert(awarded_on=date(2026, 11, 29), valid_until=None)
    text = pdf_text(render_pdf(cert))
    assert "Valid until Does not expire" in text
    assert "First awarded" not in text


def test_practice_readiness_template_prints_practice_hours_and_sign_off(make_cert):
    cert = make_cert(READINESS)
    text = pdf_text(render_pdf(cert))
    for expected in ("Certificate of Practice Readiness", "Practice hours 500", "Supervision hours 25",
                     "signed off by Morgan Lee on 20 November 2026", "Of which ethics 16"):
        assert expected in text, expected
    assert "Certificate of Completion" not in text
    assert qr_texts(render_pdf(cert)) == [verify_url(cert.code)]


def test_holder_name_with_html_special_characters_is_escaped(make_cert):
    name = """<b>Dana</b> & "Sam" O'Brien"""
    cert = make_cert(holder=name)
    html = render_html(cert)
    assert "<b>Dana</b>" not in html
    assert "&lt;b&gt;Dana&lt;/b&gt; &amp; &#34;Sam&#34; O&#39;Brien" in html
    assert name in pdf_text(render_pdf(cert))


def test_long_holder_name_still_fits_one_page(make_cert):
    cert = make_cert(holder="Maria-Fernanda Alexandrina Christabel Montgomery-Worthington de la Vega")
    assert "Montgomery-Worthington" in pdf_text(render_pdf(cert))


def test_ensure_pdf_renders_once_and_then_returns_the_stored_pdf(app, make_cert, tmp_path):
    cert = make_cert()
    first = ensure_pdf(cert)
    assert first.startswith(b"%PDF-")
    db.commit()
    cert_id = cert.id
    db.expunge_all()
    # Point the templates at an empty folder: any second render would now fail.
    app.config["LMS_CERTIFICATES_DIR"] = str(tmp_path)
    stored = db.get(Certificate, cert_id)
    with pytest.raises(PDFError):
        render_pdf(stored)
    assert ensure_pdf(stored) == first
    assert ensure_pdf(stored) is stored.pdf


def copy_templates(tmp_path):
    root = tmp_path / "certificates"
    shutil.copytree(certificates_dir(), root, ignore=shutil.ignore_patterns("*.yaml", "*.md"))
    return root


def test_broken_template_raises_pdf_error_and_stores_nothing(app, make_cert, tmp_path):
    root = copy_templates(tmp_path)
    (root / CORE / "template.html").write_text('{% extends "_base/base.html" %}{% block heading %}{% if %}')
    app.config["LMS_CERTIFICATES_DIR"] = str(root)
    cert = make_cert()
    with pytest.raises(PDFError, match=f"{cert.number}.*'{CORE}'.*TemplateSyntaxError"):
        ensure_pdf(cert)
    assert cert.pdf is None


def test_template_naming_an_unknown_value_raises_pdf_error(app, make_cert, tmp_path):
    root = copy_templates(tmp_path)
    (root / CORE / "template.html").write_text("<p>{{ no_such_value }}</p>")
    app.config["LMS_CERTIFICATES_DIR"] = str(root)
    with pytest.raises(PDFError, match="no_such_value"):
        render_pdf(make_cert())


def test_missing_template_raises_pdf_error(app, make_cert, tmp_path):
    app.config["LMS_CERTIFICATES_DIR"] = str(tmp_path)
    with pytest.raises(PDFError, match="TemplateNotFound"):
        render_pdf(make_cert())


@pytest.mark.parametrize("src", ["http://example.org/logo.png", "https://example.org/logo.png",
                                 "file:///etc/hostname"])
def test_template_cannot_fetch_from_the_network_or_outside_its_folder(app, make_cert, tmp_path, src):
    root = copy_templates(tmp_path)
    (root / CORE / "template.html").write_text(
        '{% extends "_base/base.html" %}{% block statement %}<img src="' + src + '" alt="">{% endblock %}')
    app.config["LMS_CERTIFICATES_DIR"] = str(root)
    with pytest.raises(PDFError, match="Error fetching"):
        render_pdf(make_cert())


def test_template_may_use_an_image_from_its_own_folder(app, make_cert, tmp_path):
    root = copy_templates(tmp_path)
    (root / CORE / "seal.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
                                          '<circle cx="5" cy="5" r="4"/></svg>')
    (root / CORE / "template.html").write_text(
        '{% extends "_base/base.html" %}{% block statement %}<img src="seal.svg" alt="Seal">{% endblock %}')
    app.config["LMS_CERTIFICATES_DIR"] = str(root)
    assert render_pdf(make_cert()).startswith(b"%PDF-")


def test_standalone_html_is_the_same_page_with_its_css_inlined(make_cert):
    import weasyprint

    cert = make_cert()
    html = standalone_html(cert)
    assert "@page { size: A4 landscape" in html
    bare = weasyprint.HTML(string=html).write_pdf()
    assert pdf_text(bare) == pdf_text(render_pdf(cert))


def test_edited_stylesheet_is_picked_up_without_a_restart(app, make_cert, tmp_path):
    root = copy_templates(tmp_path)
    app.config["LMS_CERTIFICATES_DIR"] = str(root)
    cert = make_cert()
    assert "Certificate of Completion" in pdf_text(render_pdf(cert))
    css = root / CORE / "certificate.css"
    css.write_text(css.read_text() + "\nh1 { display: none; }\n")
    stat = css.stat()
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a visibly newer file on any clock
    assert "Certificate of Completion" not in pdf_text(render_pdf(cert))
