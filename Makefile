# civic — the two commands that matter: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2

.PHONY: demo test install install-test messages makemessages lint check bench vendor clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.runtime: requirements/lock.txt | $(UV)
	$(UV) pip install --quiet --python $(PY) --require-hashes -r requirements/lock.txt
	touch $@

$(VENV)/.test: requirements/test-lock.txt | $(UV)
	$(UV) pip install --quiet --python $(PY) --require-hashes -r requirements/test-lock.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-test: $(VENV)/.test

## Compile the translations (Babel, so GNU gettext is not needed to run the app).
messages: $(VENV)/.runtime
	$(VENV)/bin/pybabel compile --domain=django --directory=locale --statistics 2>&1 | grep -v '^$$' || true
	@test -f locale/bg/LC_MESSAGES/django.mo && test -f locale/tr/LC_MESSAGES/django.mo

## Extract new strings into locale/*/LC_MESSAGES/django.po (needs GNU gettext).
makemessages: $(VENV)/.runtime
	$(PY) manage.py makemessages --locale bg --locale tr --no-obsolete --ignore ".venv/*" --ignore "static/*"

demo: $(VENV)/.runtime messages
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo_data
	@echo "civic demo: http://$(HOST):$(PORT)/  (accounts in README.md, password civic-demo)"
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check civic districts budgets proposals

check: $(VENV)/.test messages
	DJANGO_SETTINGS_MODULE=civic.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=civic.settings.test $(PY) manage.py check

test: $(VENV)/.test messages lint check
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.test
	$(PY) bench/tally.py
	$(PY) bench/ballots.py
	$(PY) bench/report.py

## Refresh the vendored front-end files from the npm registry (pinned versions).
vendor:
	rm -rf /tmp/civic-vendor && mkdir -p /tmp/civic-vendor
	cd /tmp/civic-vendor && npm pack --silent htmx.org@2.0.11 axe-core@4.14.1 && for f in *.tgz; do tar xzf $$f && mv package $${f%.tgz}; done
	cp /tmp/civic-vendor/htmx.org-2.0.11/dist/htmx.min.js static/vendor/htmx/
	cp /tmp/civic-vendor/axe-core-4.14.1/axe.min.js static/vendor/axe-core/
	cd /tmp/civic-vendor && npm pack --silent leaflet@1.9.4 leaflet.markercluster@1.5.3 && for f in leaflet-1.9.4.tgz leaflet.markercluster-1.5.3.tgz; do tar xzf $$f && mv package $${f%.tgz}; done
	mkdir -p static/vendor/leaflet/images static/vendor/leaflet.markercluster
	cp /tmp/civic-vendor/leaflet-1.9.4/dist/leaflet.js /tmp/civic-vendor/leaflet-1.9.4/dist/leaflet.js.map /tmp/civic-vendor/leaflet-1.9.4/dist/leaflet.css static/vendor/leaflet/
	cp /tmp/civic-vendor/leaflet-1.9.4/dist/images/*.png static/vendor/leaflet/images/
	cp /tmp/civic-vendor/leaflet-1.9.4/LICENSE static/vendor/leaflet/LICENSE
	cp /tmp/civic-vendor/leaflet.markercluster-1.5.3/dist/leaflet.markercluster.js /tmp/civic-vendor/leaflet.markercluster-1.5.3/dist/leaflet.markercluster.js.map static/vendor/leaflet.markercluster/
	cp /tmp/civic-vendor/leaflet.markercluster-1.5.3/dist/MarkerCluster.css /tmp/civic-vendor/leaflet.markercluster-1.5.3/dist/MarkerCluster.Default.css static/vendor/leaflet.markercluster/
	cp /tmp/civic-vendor/leaflet.markercluster-1.5.3/MIT-LICENCE.txt static/vendor/leaflet.markercluster/LICENSE
	cd /tmp/civic-vendor && npm pack --silent @expo-google-fonts/noto-sans@0.4.2 @expo-google-fonts/noto-sans-mono@0.4.2 @expo-google-fonts/noto-sans-symbols-2@0.4.1 && for f in expo-google-fonts-noto-sans-0.4.2.tgz expo-google-fonts-noto-sans-mono-0.4.2.tgz expo-google-fonts-noto-sans-symbols-2-0.4.1.tgz; do tar xzf $$f && mv package $${f%.tgz}; done
	mkdir -p static/fonts
	cp /tmp/civic-vendor/expo-google-fonts-noto-sans-0.4.2/400Regular/NotoSans_400Regular.ttf static/fonts/NotoSans-Regular.ttf
	cp /tmp/civic-vendor/expo-google-fonts-noto-sans-0.4.2/700Bold/NotoSans_700Bold.ttf static/fonts/NotoSans-Bold.ttf
	cp /tmp/civic-vendor/expo-google-fonts-noto-sans-mono-0.4.2/400Regular/NotoSansMono_400Regular.ttf static/fonts/NotoSansMono-Regular.ttf
	cp /tmp/civic-vendor/expo-google-fonts-noto-sans-0.4.2/LICENSE_FONT static/fonts/OFL.txt
	cp /tmp/civic-vendor/expo-google-fonts-noto-sans-symbols-2-0.4.1/400Regular/NotoSansSymbols2_400Regular.ttf static/fonts/NotoSansSymbols2-Regular.ttf
	cp /tmp/civic-vendor/expo-google-fonts-noto-sans-symbols-2-0.4.1/LICENSE_FONT static/fonts/OFL-NotoSansSymbols2.txt

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
	find locale -name '*.mo' -delete
