"""The Spark session factory: Delta by path, the Kafka source on the class path, and the
same configuration as dbt's local profile."""

from __future__ import annotations

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


def render_local_profile(settings: Settings) -> dict[str, str]:
    env = settings.as_env()
    text = (settings.project_dir / "profiles.example.yml").read_text()
    rendered = jinja2.Template(text).render(
        env_var=lambda name, default=None: env.get(name, default)
    )
    outputs = yaml.safe_load(rendered)["pinpipe"]["outputs"]
    return {k: str(v) for k, v in outputs["local"]["server_side_parameters"].items()}


def test_dbt_local_profile_sets_the_same_spark_conf(settings: Settings) -> None:
    assert render_local_profile(settings) == spark_conf(settings)


def test_missing_jars_say_how_to_get_them(tmp_path: Path) -> None:
    from ingestion.landing.spark import spark_jars

    with pytest.raises(MissingJarsError, match="make setup"):
        spark_jars(Settings(project_dir=tmp_path))
