# `make demo`: install, build the demo store, close its last month, print where the reports are.
# `make test`: install and run the whole test suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := demo
# A settled accident job of the demo store (seed 7) with insurance and customer-pay lines: `make demo`
# prints its documents (tests/test_demo.py holds the demo to having it).
DEMO_JOB := RO26100088
# System tools the PDF reports and the independent-reader tests need (Debian package names).
SYSPKGS := libreoffice-calc-nogui python3-uno poppler-utils fonts-noto-cjk fonts-crosextra-carlito

.PHONY: demo test install sysdeps build schemas bench clean dist

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m compileall -q addin  # the bytecode a wheel's install writes (PYTHONDONTWRITEBYTECODE would leave none)
	touch $(STAMP)

# Installs LibreOffice, poppler, a CJK font and Carlito (metric-compatible with Calibri) with apt-get when they are missing and we are root;
# elsewhere the tests that need them skip and say why.
sysdeps:
	@missing=0; \
	command -v soffice >/dev/null 2>&1 || missing=1; \
	command -v pdftotext >/dev/null 2>&1 || missing=1; \
	/usr/bin/python3 -c 'import uno' >/dev/null 2>&1 || missing=1; \
	fc-list 2>/dev/null | grep -qi -e 'Noto Sans CJK' -e 'WenQuanYi' || missing=1; \
	fc-list 2>/dev/null | grep -qi 'Carlito' || missing=1; \
	if [ $$missing = 1 ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing $(SYSPKGS) ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSPKGS) >/dev/null; \
	  else \
	    echo "LibreOffice/poppler/CJK font missing and not root: PDF output and those tests will be skipped."; \
	  fi; \
	fi

Service.xlsm: install
	$(VENV)/bin/service-addin build --out Service.xlsm

build: install
	$(VENV)/bin/service-addin build --out Service.xlsm

schemas: install
	$(VENV)/bin/service-addin schemas

demo: install sysdeps
	$(VENV)/bin/service-addin demo --size small --months 13 --seed 7 --out $(DEMO)/DEMO01.xlsm
	$(VENV)/bin/service-addin close $(DEMO)/DEMO01.xlsm --user S001
	@echo; echo "Workshop board of the last day (its counts first):"
	$(VENV)/bin/service-addin board $(DEMO)/DEMO01.xlsm
	@echo; echo "The documents of one job (job sheet, dispatch, pick list, settlement, gate pass):"
	$(VENV)/bin/service-addin print $(DEMO)/DEMO01.xlsm $(DEMO_JOB)
	@echo "Documents: $(DEMO)/DEMO01_documents/"

test: install sysdeps
	$(VENV)/bin/ruff check addin tests bench
	$(VENV)/bin/mypy
	$(PY) -m pytest

# `make dist`: the wheel and dist/release/ for Windows users: Service.xlsm, the wheel, install and
# uninstall scripts (windows/, with CRLF line ends as cmd.exe and PowerShell 5.1 expect them).
RELEASE := dist/release
dist: install
	rm -rf $(RELEASE) build
	$(PY) -m pip wheel --no-deps --quiet -w dist .
	rm -rf build service_addin.egg-info
	mkdir -p $(RELEASE)
	cp "$$(ls -t dist/service_addin-*.whl | head -1)" $(RELEASE)/
	$(VENV)/bin/service-addin build --out $(RELEASE)/Service.xlsm
	for f in windows/*.ps1 windows/*.cmd; do sed 's/\r*$$/\r/' "$$f" > $(RELEASE)/$$(basename "$$f"); done
	@echo "Release folder: $(RELEASE)"; ls -l $(RELEASE)

bench: install
	$(PY) bench/read.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
