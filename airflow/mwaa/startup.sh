#!/bin/sh
# Amazon MWAA startup script for the pinpipe DAGs: upload to the environment's S3 bucket and set
# it as the startup script. MWAA runs it on every Airflow component before Airflow starts; the
# variables exported here reach the DAG processor, the scheduler and the workers.
#
# 1. dbt goes into its own virtual environment (its dependencies conflict with Airflow's
#    constraints), on the components that run tasks, not on the web server.
# 2. The PINPIPE_* settings the DAGs read point them at the dbt project uploaded beside the DAG
#    files and at Databricks through the Airflow connection PINPIPE_DATABRICKS_CONN_ID; the
#    project folder goes on PYTHONPATH for the settings module (ingestion.config).
# Every value below may be overridden by setting it before this line runs (MWAA: none needed).

AIRFLOW_HOME="${AIRFLOW_HOME:-/usr/local/airflow}"
DBT_VENV="${AIRFLOW_HOME}/dbt_venv"

export PINPIPE_PROJECT_DIR="${PINPIPE_PROJECT_DIR:-${AIRFLOW_HOME}/dags/pinpipe}"
export PINPIPE_DBT_MANIFEST="${PINPIPE_DBT_MANIFEST:-${PINPIPE_PROJECT_DIR}/target/manifest.json}"
export PINPIPE_DBT_EXECUTABLE="${PINPIPE_DBT_EXECUTABLE:-${DBT_VENV}/bin/dbt}"
export PINPIPE_DBT_TARGET="${PINPIPE_DBT_TARGET:-databricks}"
export PINPIPE_DATABRICKS_CONN_ID="${PINPIPE_DATABRICKS_CONN_ID:-databricks_default}"
export PINPIPE_DATABRICKS_CATALOG="${PINPIPE_DATABRICKS_CATALOG:-main}"
export PINPIPE_DBT_SCHEMA="${PINPIPE_DBT_SCHEMA:-pinpipe}"
export PINPIPE_STATE_DIR="${PINPIPE_STATE_DIR:-/tmp/pinpipe}"
export PINPIPE_AIRFLOW_DBT_POOL="${PINPIPE_AIRFLOW_DBT_POOL:-default_pool}"
# the DAGs read the project's settings (ingestion.config), uploaded with the dbt project
export PYTHONPATH="${PINPIPE_PROJECT_DIR}${PYTHONPATH:+:${PYTHONPATH}}"

if [ "${MWAA_AIRFLOW_COMPONENT:-}" != "webserver" ] && [ ! -x "${PINPIPE_DBT_EXECUTABLE}" ]; then
    echo "pinpipe: installing dbt into ${DBT_VENV}"
    export PIP_USER=false
    if python3 -m venv "${DBT_VENV}" &&
        "${DBT_VENV}/bin/pip" install --quiet "dbt-core~=1.11.0" "dbt-databricks==1.12.7"; then
        "${DBT_VENV}/bin/python" -c 'from importlib.metadata import version as v
print("pinpipe: dbt-core", v("dbt-core"), "dbt-databricks", v("dbt-databricks"))'
    else
        echo "pinpipe: installing dbt into ${DBT_VENV} failed; dbt tasks will fail" >&2
    fi
    export PIP_USER=true
fi
