# The Convolution workbench as a container: one replica, port 8501.
#
#   docker build -t convolution-workbench .
#   docker run --rm -p 8501:8501 -e WORKBENCH_MEMORY_BUDGET=6GiB convolution-workbench
#
# Several replicas behind a sticky proxy: deploy/docker-compose.yml.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The pinned runtime dependencies (all wheels for CPython 3.12 on x86-64: nothing
# is compiled), in a layer of their own that survives code changes.
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt

# An unprivileged user; the app's files stay owned by root (read-only to it).
RUN groupadd --system --gid 10001 workbench \
    && useradd --system --uid 10001 --gid workbench --create-home --home-dir /home/workbench \
        --shell /usr/sbin/nologin workbench

WORKDIR /app
COPY .streamlit/ .streamlit/
COPY app.py serve.py ./
COPY assets/ assets/
COPY filters/ filters/
COPY pages/ pages/
COPY ui/ ui/

# Read by the app (ui/budget.py, ui/gate.py), all passed through from `docker run -e`:
#   WORKBENCH_MEMORY_BUDGET  what the server keeps for all sessions (default 3GiB);
#                            give the container about 1 GiB more than this
#   WORKBENCH_IDLE_EXPIRY    seconds before an idle session's results are dropped
#                            (default 300)
#   WORKBENCH_WORKERS        heavy computations at once (default: the cores the
#                            process sees, at most 4; set it to the container's
#                            CPU limit, which the process does not see)
# NUMBA_CACHE_DIR: the app's folder is read-only to its user, so numba keeps the
# filters' compiled code here (compiled on a replica's first page run).
ENV WORKBENCH_MEMORY_BUDGET=3GiB \
    NUMBA_CACHE_DIR=/tmp/numba-cache \
    HOME=/home/workbench

# Numeric, so that "run as non-root" policies can verify it.
USER 10001:10001

EXPOSE 8501

# /_stcore/health answers 200 once the server is up ("ok"). The image has no
# curl: Python's standard library asks.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"]

CMD ["python", "serve.py", "--server.port", "8501", "--server.address", "0.0.0.0"]
