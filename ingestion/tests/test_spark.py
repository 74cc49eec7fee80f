"""The Spark session factory: Delta by path, the Kafka source on the class path, and the
same configuration as dbt's in-process profile."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import jinja2
import pytest
import yaml

from ingestion.config import Settings
from ingestion.landing.spark import MissingJarsError, spark_conf

pytestmark = pytest.mark.spark


def test_delta_write_and_read_by_path(spark, settings: Settings) -> None:
    path = f"{settings.lake_dir}/probe"
    spark.range(7).selectExpr("id", "id * 2 as doubled").write.format("delta").save(path)
    spark.range(7, 10).selectExpr("id", "id * 2 as doubled").write.format("delta").mode(
        "append"
    ).save(path)
    rows = spark.read.format("delta").load(path).orderBy("id").collect()
    assert [r.doubled for r in rows] == [i * 2 for i in range(10)]
    history = spark.sql(f"describe history delta.`{path}`").collect()
    assert [h.operation for h in history] == ["WRITE", "WRITE"]


def test_kafka_source_is_on_the_class_path(spark) -> None:
    jvm = spark.sparkContext._jvm
    provider = jvm.java.lang.Class.forName("org.apache.spark.sql.kafka010.KafkaSourceProvider")
    assert provider.getName().endswith("KafkaSourceProvider")


def render_profile(settings: Settings) -> dict:
    env = settings.as_env()
    text = (settings.project_dir / "profiles.example.yml").read_text()
    environment = jinja2.Environment()
    environment.filters["as_number"] = int
    rendered = environment.from_string(text).render(
        env_var=lambda name, default=None: env.get(name, default)
    )
    return yaml.safe_load(rendered)["pinpipe"]["outputs"]


def test_dbt_session_profile_sets_the_same_spark_conf(settings: Settings) -> None:
    parameters = render_profile(settings)["local_session"]["server_side_parameters"]
    assert {k: str(v) for k, v in parameters.items()} == spark_conf(settings)


def test_dbt_local_profile_points_at_the_sql_server(settings: Settings) -> None:
    local = render_profile(settings)["local"]
    assert local["method"] == "thrift"
    assert (local["host"], int(local["port"])) == settings.sql_server
    elsewhere = replace(settings, sql_host="thrift.example", sql_port=10001)
    remote = render_profile(elsewhere)["local"]
    assert (remote["host"], int(remote["port"])) == ("thrift.example", 10001)


def test_missing_jars_say_how_to_get_them(tmp_path: Path) -> None:
    from ingestion.landing.spark import spark_jars

    with pytest.raises(MissingJarsError, match="make setup"):
        spark_jars(Settings(project_dir=tmp_path))
