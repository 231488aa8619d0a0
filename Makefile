# framelens — one-command set-up, demo and tests. Each target creates its own virtual environment.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test venv corpus lint clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("framelens needs Python >= 3.11, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,scale]"
	@touch $@

# The main job on the embedded corpus: label scores and comparisons per outlet, written under out/demo/.
demo: $(STAMP)
	$(BIN)/framelens corpus info sample
	$(BIN)/framelens score sample --lexicon conflict_actors --by source --out out/demo/scores_by_source.csv
	$(BIN)/framelens score sample --lexicon conflict_actors --by source --shape long --out out/demo/scores_long.csv
	$(BIN)/framelens compare sample --lexicon conflict_actors --by source --method shares --out out/demo/shares.csv --figures out/demo/figures
	@echo "demo outputs are in out/demo/"

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Regenerate the embedded corpus (deterministic; a test checks the committed files match).
corpus: $(STAMP)
	$(BIN)/python -m framelens.datasets.sample_generator --out corpora/karvia

clean:
	rm -rf $(VENV) out .pytest_cache
