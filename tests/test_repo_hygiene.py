"""CI's repository check (.ci/check-repo) fails on a tracked ignored file or a file over 1 MiB, and passes here."""
from __future__ import annotations

import shutil
import subprocess

from tests.conftest import REPO


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"PATH": "/usr/bin:/bin", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(cwd)})


def _scratch_repo(tmp_path):
    (tmp_path / ".ci").mkdir()
    shutil.copy(REPO / ".ci" / "check-repo", tmp_path / ".ci" / "check-repo")
    (tmp_path / ".gitignore").write_text(".venv/\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    return tmp_path


def _check(repo):
    return subprocess.run([str(repo / ".ci" / "check-repo")], cwd=repo, capture_output=True, text=True, timeout=60)


def test_check_passes_on_a_clean_tree(tmp_path):
    result = _check(_scratch_repo(tmp_path))
    assert result.returncode == 0, result.stdout
    assert "Repository hygiene OK" in result.stdout


def test_check_fails_on_a_tracked_ignored_file(tmp_path):
    repo = _scratch_repo(tmp_path)
    (repo / ".venv").mkdir()
    (repo / ".venv" / "python").write_text("#!/abs/path\n")
    _git(repo, "add", "-f", ".venv/python")
    result = _check(repo)
    assert result.returncode == 1
    assert ".venv/python" in result.stdout


def test_check_fails_on_a_file_over_one_mebibyte(tmp_path):
    repo = _scratch_repo(tmp_path)
    (repo / "big.bin").write_bytes(b"\0" * (1024 * 1024 + 1))
    _git(repo, "add", "big.bin")
    result = _check(repo)
    assert result.returncode == 1
    assert "1048577 big.bin" in result.stdout


def test_this_repository_passes():
    result = _check(REPO)
    assert result.returncode == 0, result.stdout
