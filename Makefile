# framelens — one-command set-up, demo and tests. Each target creates its own virtual environment.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test venv corpus models clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("framelens needs Python >= 3.11, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,scale]"
	@touch $@

# The main job on the embedded corpus: the source-comparison report (HTML + executed notebook) and
# the label scores per outlet, under out/demo/.
demo: $(STAMP)
	$(BIN)/framelens score sample --lexicon conflict_actors --by source --out out/demo/scores_by_source.csv
	$(BIN)/framelens report sample --lexicon conflict_actors --by source --out out/demo/report.html
	@echo "open out/demo/report.html in a browser (it works offline)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Regenerate the embedded corpus (deterministic; a test checks the committed files match).
corpus: $(STAMP)
	$(BIN)/python -m framelens.datasets.sample_generator --out corpora/karvia

# Retrain the models in models/ on the embedded corpus (model cards identical on re-run except the date).
models: $(STAMP)
	$(BIN)/python -m framelens.classify.train_defaults --out models

clean:
	rm -rf $(VENV) out .pytest_cache
