# civic — one image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=civic.settings.production \
    UV_SYSTEM_PYTHON=1 \
    NUMBA_CACHE_DIR=/app/.numba-cache

# WeasyPrint needs Pango; PDFs embed the fonts shipped with the app, Noto covers the rest.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/lock.txt requirements/lock.txt
RUN pip install --no-cache-dir uv==0.13.8 \
 && uv pip install --no-cache --require-hashes -r requirements/lock.txt

COPY . .
RUN pybabel compile --domain=django --directory=locale \
 && DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=build \
    CIVIC_CENSUS_HMAC_KEY=build-only-not-the-deployments-key CIVIC_SITE_URL=https://build.invalid \
    EMAIL_URL=consolemail:// python manage.py collectstatic --no-input \
 && python -c "from budgets.tally.fast import warm_up; warm_up()" \
 && useradd --system --uid 10001 --home /app civic \
 && mkdir -p /app/media && chown civic /app/media \
 && chown -R civic /app/.numba-cache

USER civic
EXPOSE 8000
CMD ["gunicorn", "civic.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
