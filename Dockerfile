# The dashboard's app server, for compose.yaml (several of these behind the proxy, one
# PostgreSQL database). `make run` needs none of this: it runs on the embedded DuckDB file.
FROM python:3.11-slim-bookworm
# Chromium renders the chart images of the exports (kaleido); nothing is fetched at run time
RUN apt-get update && apt-get install -y --no-install-recommends chromium \
    && rm -rf /var/lib/apt/lists/*
ENV BROWSER_PATH=/usr/bin/chromium PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY analytics analytics
COPY app_pages app_pages
COPY data data
COPY locale locale
COPY dashboard.py ui.py ./
COPY .streamlit .streamlit
RUN useradd --create-home dashboard
USER dashboard
EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["python", "-m", "streamlit", "run", "dashboard.py", "--server.port", "8501", \
     "--server.address", "0.0.0.0", "--server.headless", "true", \
     "--browser.gatherUsageStats", "false"]
