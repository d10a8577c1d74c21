# The production image: gunicorn serving Django; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# WeasyPrint (the passport PDF) draws with Pango; the slim image has no fonts either.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 app

COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
# collectstatic needs settings but no services: a throwaway key, DEBUG off for the manifest.
RUN DJANGO_DEBUG=false SECRET_KEY=collectstatic-only-not-used-at-runtime-0123456789abcdef \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var && chown -R app /app/var

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
