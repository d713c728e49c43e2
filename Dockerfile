# bingx-sim's sandbox as a container, for a client in another language:
#
#   docker build -t bingx-sim .
#   docker run --rm -p 8080:8080 -e BINGX_SIM_CONTROL_TOKEN=s3cret bingx-sim
#
# It binds 0.0.0.0 inside the container, so the control API (/_sim/) needs its token:
# without BINGX_SIM_CONTROL_TOKEN (or --control-token) the sandbox refuses to start.
# Arguments after the image name are added to `bingx-sim serve` (--profile, --option,
# --scenario /path/in/a/volume, --log-format json, ...). tests/packaging/test_dockerfile.py
# builds it where a builder runs, and otherwise replays its install and start commands.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bingx_sim ./bingx_sim
COPY bingx_clocks ./bingx_clocks
COPY clocks ./clocks
RUN pip install ./clocks . && cd / && rm -rf /src

RUN useradd --create-home --uid 10001 bingx
USER bingx
WORKDIR /home/bingx

EXPOSE 8080
ENTRYPOINT ["bingx-sim", "serve", "--host", "0.0.0.0"]
CMD ["--port", "8080"]
