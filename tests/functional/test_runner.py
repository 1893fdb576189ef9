# -*- coding: utf-8 -*-
"""migrate.yml and observe.yml run the way AWX runs them: through ansible-runner, with a private
data directory laid out as AWX lays it out (project/, inventory/, env/extravars, env/envvars),
against the sandbox; the per-agent report is read back from the run's artifacts, where set_stats
lands (the playbook_on_stats event's artifact_data)."""

from __future__ import annotations

import json
import shutil

import ansible_runner
import pytest

from conftest import COLLECTIONS, REPO, ansible_env
from sandbox import running_sandbox

pytestmark = pytest.mark.sandbox

BATCH1 = ["MemoryOrchestratorService", "ResourceManager", "AdvancedRouter", "TaskScheduler", "AuthenticationAgent",
          "UnifiedUtilsAgent", "AgentTrustScorer"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    root = tmp_path_factory.mktemp("runner")
    with running_sandbox(root / "sandbox") as sandbox:
        yield sandbox


def private_data_dir(fleet, tmp_path, extravars):
    """A private data directory as AWX writes one for a job."""
    pdd = tmp_path / "pdd"
    (pdd / "env").mkdir(parents=True)
    (pdd / "project").symlink_to(REPO)  # AWX syncs the project's checkout here
    shutil.copytree(REPO / "inventories" / "sandbox", pdd / "inventory")
    (pdd / "env" / "extravars").write_text(json.dumps(extravars))
    env = ansible_env({"FLEET_SANDBOX_ROOT": str(fleet.root), "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
                       "FLEET_REPORT_DIR": str(tmp_path / "reports")})
    keep = ("PATH", "HOME", "ANSIBLE_CONFIG", "ANSIBLE_HOME", "ANSIBLE_LOCAL_TEMP", "ANSIBLE_REMOTE_TMP",
            "ANSIBLE_COLLECTIONS_PATH", "FLEET_SANDBOX_ROOT", "FLEET_REPORT_DIR")
    (pdd / "env" / "envvars").write_text(json.dumps({k: env[k] for k in keep}))
    return pdd


def run(fleet, tmp_path, playbook, extravars):
    pdd = private_data_dir(fleet, tmp_path, extravars)
    result = ansible_runner.run(private_data_dir=str(pdd), playbook=playbook, ident="job1", quiet=True)
    stats = [e for e in result.events if e["event"] == "playbook_on_stats"]
    assert stats, result.stdout.read()[-4000:]
    return result, stats[-1]["event_data"]["artifact_data"], pdd


def test_migrate_through_ansible_runner_reports_in_the_artifacts(fleet, tmp_path):
    result, artifacts, pdd = run(fleet, tmp_path, "playbooks/migrate.yml", {"fleet_batch": "pc2_batch1"})
    assert result.status == "successful" and result.rc == 0
    assert artifacts["fleet_plan"]["batch"] == "pc2_batch1" and artifacts["fleet_plan"]["agents"][0] == BATCH1[0]
    report = {line["agent"]: line for line in artifacts["fleet_report"].values()}
    assert sorted(report) == sorted(BATCH1)
    assert {line["result"] for line in report.values()} == {"completed"}
    assert all(line["risk_level"] == "low" and line["durations"]["analysis_s"] > 0 for line in report.values())
    # the artifacts directory AWX keeps has the same events
    assert (pdd / "artifacts" / "job1" / "job_events").is_dir()
    assert (pdd / "artifacts" / "job1" / "rc").read_text().strip() == "0"


def test_observe_through_ansible_runner(fleet, tmp_path):
    result, artifacts, _pdd = run(fleet, tmp_path, "playbooks/observe.yml", {"agent_migration_observe_duration": 2})
    assert result.status == "successful"
    report = {line["agent"]: line for line in artifacts["fleet_report"].values()}
    assert sorted(report) == sorted(BATCH1)
    assert {line["result"] for line in report.values()} == {"observed"}
