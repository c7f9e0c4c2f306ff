# Mirrors the README's install: a venv-free `pip install .`, run as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UNKNOT_DATA_DIR=/app/data
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 unknot \
    && mkdir -p /app/data && chown unknot:unknot /app/data

USER unknot
VOLUME ["/app/data"]
CMD ["python", "-m", "bot"]
