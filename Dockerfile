# The kaigo image: the web server, the Celery worker and beat all run from it (docker-compose.yml).
FROM python:3.11-slim

# PYTHONPATH=/app: the code runs from /app, where the templates (jinja2/) and the static files are
# (`pip install .` installs the dependencies; the installed copy of the package lacks them).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 kaigo \
    && useradd --system --uid 10001 --gid kaigo --no-create-home --shell /usr/sbin/nologin kaigo

WORKDIR /app
COPY . .
RUN pip install . && rm -rf build *.egg-info

# Static files for whitenoise (manifest storage, production settings). collectstatic needs
# neither a database nor Redis; these values only satisfy settings._check_production.
ARG BUILD_SECRET_KEY=build-only-dummy-secret-key-never-used-at-runtime-0123456789
RUN KAIGO_ENV=production \
    DJANGO_SECRET_KEY="$BUILD_SECRET_KEY" \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgresql://build@build.invalid:5432/build \
    REDIS_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --no-input \
    && mkdir -p /app/var/audit \
    && chown kaigo:kaigo /app/var /app/var/audit

# /app/var/audit: the mount point of the audit-heads volume (docker-compose.yml), owned by kaigo so
# that a new volume is created with that owner and the worker can append the audit heads there.

USER kaigo
EXPOSE 8000
CMD ["gunicorn", "kaigo.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
