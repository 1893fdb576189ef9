# make demo: set up, bring the sandbox fleet up and run the main job on it.
# make test: the whole test suite (what .ci/run runs).
SHELL := /bin/bash
VENV ?= .venv
BATCH ?= pc2_batch1
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_HOME := $(CURDIR)/.tmp/ansible-home
export ANSIBLE_REMOTE_TMP := $(CURDIR)/.tmp/ansible-remote
export ANSIBLE_LOCAL_TEMP := $(CURDIR)/.tmp/ansible-local
export ANSIBLE_NOCOWS := 1

.PHONY: venv demo test sandbox-up sandbox-down fleet-info migrate rollback observe preflight risk-report molecule build bench clean

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt scripts/bootstrap
	scripts/bootstrap $(VENV)

# A fresh sandbox from the real 2025-07-23 configurations (mainpc with the fake RTX 4090), then
# PC2 batch 1 and its report.
demo: venv
	@ansible-playbook playbooks/sandbox_down.yml -e sandbox_purge=true >/dev/null 2>&1 || true
	ansible-playbook playbooks/sandbox_up.yml -e sandbox_fake_gpu=true
	ansible-playbook playbooks/migrate.yml -e fleet_batch=$(BATCH)

sandbox-up: venv
	ansible-playbook playbooks/sandbox_up.yml

sandbox-down: venv
	ansible-playbook playbooks/sandbox_down.yml

fleet-info: venv
	ansible-playbook playbooks/fleet_info.yml

migrate: venv
	ansible-playbook playbooks/migrate.yml -e fleet_batch=$(BATCH)

rollback: venv
	ansible-playbook playbooks/rollback.yml -e fleet_batch=$(BATCH)

observe: venv
	ansible-playbook playbooks/observe.yml

preflight: venv
	ansible-playbook playbooks/preflight.yml

risk-report: venv
	ansible-playbook playbooks/risk_report.yml

molecule: venv
	@ansible-playbook playbooks/sandbox_down.yml >/dev/null 2>&1 || true
	cd extensions && molecule test --all

# The tests use the real files' ports, as the demo does: a demo sandbox is brought down first.
test: venv
	@ansible-playbook playbooks/sandbox_down.yml >/dev/null 2>&1 || true
	$(VENV)/bin/python -m pytest

build: venv
	ansible-galaxy collection build --force --output-path .tmp/dist

bench: venv
	$(VENV)/bin/python benchmarks/bench_startup_config.py
	$(VENV)/bin/python benchmarks/bench_risk.py
	$(VENV)/bin/python benchmarks/bench_sandbox.py
	$(VENV)/bin/python benchmarks/bench_migration.py
	$(VENV)/bin/python benchmarks/bench_breach.py

clean: sandbox-down
	rm -rf .sandbox .tmp
