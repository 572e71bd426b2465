"""Certificates: the full PDF pipeline (template + QR + WeasyPrint, cached CSS and fonts) against a bare
WeasyPrint render of the same final HTML, measured in the same run."""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

RUNS = 30
WARMUP = 3


def _app(workdir: str):
    from app import create_app

    # The PDF never touches the database; the app only supplies config, programs and the URL prefix.
    return create_app({"SECRET_KEY": "bench-secret-key-0123456789abcdef",
                       "LMS_DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
                       "LMS_BASE_URL": "https://training.example.org"})


def _certificate(i: int, program: str):
    from lms.certificates.codes import new_code
    from lms.certificates.models import Certificate

    domains = {"advocacy": "Advocacy", "mentoring-education": "Mentoring/Education",
               "recovery-wellness": "Recovery/Wellness Support", "ethical-responsibility": "Ethical Responsibility"}
    issued = datetime(2026, 11, 29, 9, tzinfo=UTC)
    snapshot = {
        "holder_name": f"Bench Holder {i}", "program_name": "Peer Recovery Core Training",
        "hours": {"total": 46.0, "by_domain": {"advocacy": 10.0, "mentoring-education": 10.0,
                                               "recovery-wellness": 10.0, "ethical-responsibility": 16.0},
                  "ethics": 16.0},
        "domain_names": domains, "courses": [], "assessments": [], "competencies": [],
        "practice_hours": {"practice": 500.0, "supervision": 25.0},
        "sign_off": {"supervisor": "Bench Supervisor", "signed_at": "2026-11-20T15:30:00+00:00", "statement": "Ready."},
        "issuer": {"name": "Peer Recovery Training", "url": "https://training.example.org"},
        "signatory": {"name": "Bench Director", "title": "Training Director"},
    }
    return Certificate(id=i, number=f"PRCT-2026-{i:06d}", code=new_code(), user_id=1, program=program,
                       status="active", awarded_on=date(2024, 11, 2), issued_at=issued,
                       valid_until=issued + timedelta(days=730), snapshot=snapshot, status_index=i)


def _stats(timings: list[float]) -> tuple[float, float]:
    return statistics.median(timings) * 1000, sorted(timings)[int(len(timings) * 0.95)] * 1000


def pdf_render(program: str = "peer-recovery-core-training", runs: int = RUNS) -> dict:
    import weasyprint

    from lms.certificates.pdf import render_pdf, standalone_html

    with tempfile.TemporaryDirectory() as workdir:
        app = _app(workdir)
        with app.app_context():
            full, bare = [], []
            for i in range(WARMUP + runs):
                cert = _certificate(i + 1, program)
                final_html = standalone_html(cert)  # same page, stylesheets inlined; built outside the clock
                # Alternate the two so load from other processes on the machine falls on both alike.
                start = time.perf_counter()
                render_pdf(cert)
                full_s = time.perf_counter() - start
                start = time.perf_counter()
                weasyprint.HTML(string=final_html).write_pdf()
                bare_s = time.perf_counter() - start
                if i >= WARMUP:
                    full.append(full_s)
                    bare.append(bare_s)
        app.extensions["lms"].db.engine.dispose()
    (full_median, full_p95), (bare_median, bare_p95) = _stats(full), _stats(bare)
    return {"full_median_ms": full_median, "full_p95_ms": full_p95, "bare_median_ms": bare_median,
            "bare_p95_ms": bare_p95, "ratio": full_median / bare_median, "runs": runs}


def main() -> list[tuple]:
    r = pdf_render()
    return [
        (
            f"Certificate PDF, full pipeline (template + QR + WeasyPrint), n={r['runs']}",
            f"median {r['full_median_ms']:.1f} ms, p95 {r['full_p95_ms']:.1f} ms",
            f"bare WeasyPrint of the same HTML median {r['bare_median_ms']:.1f} ms, p95 {r['bare_p95_ms']:.1f} ms; "
            f"ratio {r['ratio']:.2f} (goal <= 1.2)",
        )
    ]


if __name__ == "__main__":
    from bench.report import print_table

    print_table(main())
