# -*- coding: utf-8 -*-
"""ansible-lint (production profile), ansible-test sanity, and the published collection.

No ignore files: .ansible-lint only excludes generated paths and the real (data) configs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import REPO, VENV_BIN, ansible_env

pytestmark = pytest.mark.quality
MODULES = ["agent_analysis", "agent_backup", "agent_config", "agent_health_info", "agent_metrics_info", "agent_risk_info",
           "machine_audit_info", "nvml_info",
           "run_record", "run_record_info", "sandbox_repo", "startup_config_info",
           "supervisor_program", "supervisor_program_info"]


def run(cmd, cwd=REPO, env=None, timeout=1200):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=ansible_env(env), capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert proc.returncode == 0, "%s (rc=%d)\n%s\n%s" % (" ".join(map(str, cmd)), proc.returncode,
                                                         proc.stdout[-8000:], proc.stderr[-4000:])
    return proc


def project_files():
    """The checkout's files as a clean clone has them: tracked, plus untracked not ignored."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                         check=True).stdout.decode()
    return [p for p in out.split("\0") if p and (REPO / p).is_file()]


def test_ansible_lint_production_profile():
    assert not (REPO / ".ansible-lint-ignore").exists()
    proc = run([VENV_BIN / "ansible-lint", "--nocolor", "--profile", "production"])
    assert "Profile 'production' was required, and it passed." in proc.stdout + proc.stderr


def test_ansible_test_sanity(tmp_path):
    assert not (REPO / "tests" / "sanity").exists(), "no sanity ignore files"
    root = tmp_path / "ansible_collections" / "aisystem" / "fleet"
    for rel in project_files():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, root / rel)
    # ansible-test bootstraps pip in each test venv with a downloaded get-pip.py; offline it
    # finds this stand-in in its cache instead (it runs ensurepip, then pip install).
    source = (VENV_BIN.parent / "lib").glob("python3*/site-packages/ansible_test/_internal/python_requirements.py")
    pip_version = re.search(r"pip='([0-9.]+)'", next(source).read_text()).group(1)
    cache = REPO / ".tmp" / "home" / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "tests" / "quality" / "get_pip_standin.py", cache / ("get_pip_%s.py" % pip_version.replace(".", "_")))
    python = "%d.%d" % sys.version_info[:2]
    proc = run([VENV_BIN / "ansible-test", "sanity", "--local", "--python", python, "--color", "no"], cwd=root)
    assert "FATAL" not in proc.stdout + proc.stderr


def test_published_collection_installs_and_documents(tmp_path):
    run([VENV_BIN / "ansible-galaxy", "collection", "build", "--output-path", tmp_path, REPO])
    (tarball,) = tmp_path.glob("aisystem-fleet-*.tar.gz")
    listing = subprocess.run(["tar", "-tzf", tarball], capture_output=True, text=True, check=True).stdout
    assert "plugins/modules/startup_config_info.py" in listing
    assert "roles/sandbox/files/startup_configs/pc2_startup_config.2025-07-23.yaml.gz" in listing
    assert ".venv/" not in listing and ".collections" not in listing and "tests/output" not in listing
    installed = tmp_path / "collections"
    # away from the checkout: no ansible.cfg, and the checkout's .collections link unseen
    env = {"ANSIBLE_COLLECTIONS_PATH": str(installed), "ANSIBLE_CONFIG": str(tmp_path / "none.cfg")}
    run([VENV_BIN / "ansible-galaxy", "collection", "install", "--force", "-p", installed, tarball],
        cwd=tmp_path, env=env)
    assert (installed / "ansible_collections" / "aisystem" / "fleet" / "MANIFEST.json").is_file()
    listed = run([VENV_BIN / "ansible-doc", "-l", "aisystem.fleet"], cwd=tmp_path, env=env).stdout
    assert sorted(re.findall(r"^aisystem\.fleet\.(\w+)", listed, re.M)) == MODULES
    doc = run([VENV_BIN / "ansible-doc", "aisystem.fleet.startup_config_info"], cwd=tmp_path, env=env).stdout
    for word in ("OPTIONS", "path", "variables", "validate", "RETURN VALUES", "skipped_entries", "findings",
                 "http_health_port", "EXAMPLES", "check_mode"):
        assert word in doc, word
    roles = run([VENV_BIN / "ansible-doc", "-t", "role", "-l", "aisystem.fleet"], cwd=tmp_path, env=env).stdout
    assert "aisystem.fleet.sandbox" in roles and "aisystem.fleet.prerequisites" in roles


def test_execution_environment_renders_its_build_context(tmp_path):
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    definition = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    tarball = "aisystem-fleet-%s.tar.gz" % version
    assert definition["additional_build_files"][0]["src"] == "../.tmp/dist/" + tarball
    run([VENV_BIN / "ansible-galaxy", "collection", "build", "--force", "--output-path", REPO / ".tmp" / "dist", REPO])
    run([VENV_BIN / "ansible-builder", "create", "-f", REPO / "meta" / "execution-environment.yml",
         "--context", tmp_path / "ee"])
    dockerfile = (tmp_path / "ee" / "Dockerfile").read_text()
    assert "ansible-galaxy collection install /tmp/aisystem-fleet.tar.gz" in dockerfile
    assert (tmp_path / "ee" / "_build" / "collections" / tarball).is_file()
    assert "pyzmq" in (tmp_path / "ee" / "_build" / "requirements.txt").read_text()
    assert "openssh-clients" in (tmp_path / "ee" / "_build" / "bindep.txt").read_text()


def test_changelog_fragments_lint_clean():
    proc = run([VENV_BIN / "antsibull-changelog", "lint"])
    assert proc.stdout.strip() == ""
