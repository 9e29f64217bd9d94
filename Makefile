# Two commands set everything up on a fresh machine: `make test` and `make demo`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# checkov pins boto3 1.35 and cannot share .venv: it gets its own (requirements-security.txt).
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
SPARK_STAMP := $(VENV)/.spark-installed
# amazon-emr-cli pins PyYAML 5.3.1 and click<8: a test client with a virtualenv of its own (requirements-emrcli.txt).
EMRCLI_VENV := .venv-emrcli
EMRCLI_STAMP := $(EMRCLI_VENV)/.installed

export CHECKPOINT_DISABLE := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: venv test security synth demo demo-scaling bench clean grafana docs emulator emulator-job emulator-stop test-emulator-docs cost unit

venv: $(STAMP)

$(CHECKOV_STAMP): requirements-security.txt constraints-security.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements-security.txt -c constraints-security.txt
	touch $(CHECKOV_STAMP)

$(EMRCLI_STAMP): requirements-emrcli.txt constraints-emrcli.txt
	test -x $(EMRCLI_VENV)/bin/python || $(PYTHON) -m venv $(EMRCLI_VENV)
	$(EMRCLI_VENV)/bin/pip install --quiet --no-deps emr-cli -c constraints-emrcli.txt
	$(EMRCLI_VENV)/bin/pip install --quiet -r requirements-emrcli.txt -c constraints-emrcli.txt
	touch $(EMRCLI_STAMP)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The security scan runs inside the suite (tests/test_security_scan.py), in parallel with it. PySpark is
# installed too: the emulator's tests run real Spark jobs (Apache Spark's example shapes) through it.
# node_modules too: tests/test_docs_emulator.py runs docs/emulator.md's path, which needs the CLIs installed.
test: venv $(CHECKOV_STAMP) $(EMRCLI_STAMP) $(SPARK_STAMP) node_modules/.installed
	$(PY) -m pytest -q -n 4 --dist loadfile --no-loadscope-reorder

# The fast loop: tests marked unit (no terraform, server, subprocess or sleep; tests/conftest.py enforces it).
unit: venv
	$(PY) -m pytest -q -n 2 -m unit

# checkov (terraform_json + terraform_plan) on every shipped stack, parliament on every IAM policy.
security: venv $(CHECKOV_STAMP)
	$(PY) -m scripts.security

synth: venv
	$(PY) app.py

# What every shipped stack costs an hour and a month, from the bundled price snapshot (docs/cost.md).
cost: synth
	$(PY) -m emr_cost estimate

# PySpark of the example's EMR release line, for the demo and the emulator's real-Spark tests.
$(SPARK_STAMP): requirements-demo.txt $(STAMP)
	$(PY) -m pip install --quiet -r requirements-demo.txt
	touch $(SPARK_STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

# The demo also needs the pinned cdktf CLI.
demo: venv $(SPARK_STAMP) node_modules/.installed
	$(PY) -m scripts.demo

# A scaling policy at work on the emulator (docs/scaling.md): emr-autoscaling deployed with terraform, a burst of
# steps, the task group out and back in, then `emr-scaling report` with its chart (.demo/scaling-report.png).
demo-scaling: venv $(SPARK_STAMP)
	$(PY) -m scripts.demo_scaling

# The emulator by hand (docs/emulator.md): `make emulator` starts it in the background and writes .emulator/env
# (`source` it: AWS endpoint and keys, EMR_TARGET=local, terraform from the offline mirror); `make emulator-job`
# uploads the demo job examples/demo-steps.yaml runs; `make emulator-stop` stops it.
EMULATOR_PORT ?= 5055
emulator: venv $(SPARK_STAMP) node_modules/.installed
	$(PY) -m scripts.emulator start --port $(EMULATOR_PORT)

emulator-job: venv
	$(PY) -m scripts.emulator upload-demo-job

emulator-stop: venv
	$(PY) -m scripts.emulator stop

# docs/emulator.md's manual path entire, deploy and steps included (about 3 minutes): make test runs it without them.
test-emulator-docs: venv $(SPARK_STAMP) node_modules/.installed
	EMR_DOCS_E2E=1 $(PY) -m pytest -q tests/test_docs_emulator.py

bench: venv
	$(PY) -m scripts.bench

clean:
	rm -rf cdktf.out .tf-work .bench .pytest_cache .emulator .demo

grafana: venv
	$(PY) -m scripts.export_grafana

# docs/props-reference.md: every props class and field, from the dataclasses (tests/emr_constructs/test_props_reference.py).
docs: venv
	$(PY) -m scripts.props_reference
