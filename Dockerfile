# syntax=docker/dockerfile:1
# healthdash: a builder stage that installs the app and its dependencies into a virtual environment,
# and a slim runtime stage that runs it as an unprivileged user.
#
#   docker build -t healthdash .
#   docker compose up            (PostgreSQL, Redis, web, worker and scheduler; see docker-compose.yml)

ARG PYTHON_VERSION=3.11

# --- builder: compile what needs compiling, install into /opt/venv ---------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies first, from pyproject.toml alone, so this layer is reused while only the code changes.
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip setuptools wheel \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
       > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# Then the application itself (a regular, non-editable install: assets and templates are package data).
COPY dashapp ./dashapp
COPY pages ./pages
COPY components ./components
COPY jobs ./jobs
COPY models ./models
COPY migrations ./migrations
COPY assets ./assets
RUN pip install --no-deps . \
    && python -c "import dashapp, pages, components, jobs, models, migrations"

# --- runtime ----------------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime

# chromium: kaleido renders static charts (exports, reports) with it. tini: a proper PID 1 for signals.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium tini \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 healthdash \
    && useradd --system --uid 10001 --gid healthdash --create-home --home-dir /home/healthdash healthdash \
    && mkdir -p /var/lib/healthdash \
    && chown healthdash:healthdash /var/lib/healthdash

COPY --from=builder /opt/venv /opt/venv
COPY docker/entrypoint.sh /usr/local/bin/healthdash-entrypoint
RUN chmod 0755 /usr/local/bin/healthdash-entrypoint

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HEALTHDASH_ENV=production \
    HEALTHDASH_DATA_DIR=/var/lib/healthdash \
    HOST=0.0.0.0 \
    PORT=8050 \
    BROWSER_PATH=/usr/bin/chromium

USER healthdash
WORKDIR /home/healthdash
EXPOSE 8050

ENTRYPOINT ["tini", "--", "healthdash-entrypoint"]
# `web` migrates the database and serves the app; anything else is a healthdash command (worker, users create, ...).
CMD ["web"]
