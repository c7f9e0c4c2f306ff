# A plain mirror of the README's install: a venv in the project folder, an editable install,
# `python -m bot`. Runs as a non-root user; the SQLite file lives in the /app/data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UNKNOT_DATA_DIR=/app/data
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
RUN useradd --create-home --uid 10001 unknot \
    && python3 -m venv .venv && .venv/bin/pip install --no-cache-dir -e . \
    && mkdir -p /app/data && chown unknot:unknot /app/data

USER 10001
VOLUME ["/app/data"]
# Webhook mode only (TELEGRAM_WEBHOOK_URL set): the default TELEGRAM_WEBHOOK_LISTEN port.
EXPOSE 8080
# SIGTERM stops claiming reminders, finishes the sends in flight and exits within 10 s.
STOPSIGNAL SIGTERM
CMD [".venv/bin/python", "-m", "bot"]
