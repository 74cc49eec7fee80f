"""The entity contract (vars.contract in dbt_project.yml): Python reads it, and the places
that cannot read it (the dbt sources YAML, the source replica's tables, the chaos cases)
agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ingestion import sqlfluff_context
from ingestion.chaos.bad_input import cases
from ingestion.config import ENTITIES, SOURCE_TABLES, Settings
from ingestion.contract import CONTRACT, ContractError, load_contract
from ingestion.landing.schemas import BRONZE_COLUMNS, bronze_ddl
from ingestion.source_db import shapes
from ingestion.source_db.schema import KEY_COLUMNS, build_metadata

SOURCES_YAML = Path("models") / "staging" / "pinterest" / "_pinterest__sources.yml"


def project_contract(settings: Settings) -> dict:
    return yaml.safe_load((settings.project_dir / "dbt_project.yml").read_text())["vars"][
        "contract"
    ]


def test_python_takes_its_lists_from_the_contract(settings: Settings) -> None:
    spec = project_contract(settings)
    assert ENTITIES == ("pin", "geo", "user") == tuple(spec["entities"])
    assert {e: spec["entities"][e]["source_table"] for e in ENTITIES} == SOURCE_TABLES
    assert KEY_COLUMNS == {"pin": "index", "geo": "ind", "user": "ind"}
    for layer, columns in spec["layers"].items():
        assert BRONZE_COLUMNS[layer] == tuple(columns["bronze_columns"].items())
    assert bronze_ddl("batch") == (
        "value string, topic string, partition int, offset bigint, "
        "kafka_timestamp timestamp, landed_at timestamp"
    )
    assert tuple(spec["categories"]) == shapes.CATEGORIES and len(shapes.CATEGORIES) == 13
    assert len(shapes.CATEGORY_WEIGHTS) == len(shapes.CATEGORIES)
    assert tuple(spec["media_types"]) == (shapes.IMAGE, shapes.VIDEO, shapes.STORY)
    assert {k: tuple(v) for k, v in spec["placeholders"].items()} == shapes.PLACEHOLDERS
    assert shapes.IMAGE_SRC_ERROR == "Image src error."  # with its period


def test_source_replica_tables_have_the_contract_fields() -> None:
    metadata = build_metadata()
    for name, entity in CONTRACT.entities.items():
        table = metadata.tables[entity.source_table]
        assert tuple(table.columns.keys()) == entity.fields, name
        assert [c.name for c in table.primary_key] == [entity.key], name


def test_dbt_sources_declare_one_bronze_table_per_layer_and_entity(settings: Settings) -> None:
    """YAML cannot loop over the contract: the six source tables are written out, and checked
    here (tables, column names and order, layer and transport)."""
    (source,) = yaml.safe_load((settings.project_dir / SOURCES_YAML).read_text())["sources"]
    tables = {table["name"]: table for table in source["tables"]}
    assert sorted(tables) == sorted(f"{layer}_{e}" for layer in CONTRACT.layers for e in ENTITIES)
    for layer, spec in CONTRACT.layers.items():
        for entity in ENTITIES:
            table = tables[f"{layer}_{entity}"]
            assert [c["name"] for c in table["columns"]] == [c for c, _ in spec.bronze_columns]
            assert table["config"]["meta"] == {"transport": spec.transport, "layer": layer}


def test_chaos_expects_only_reasons_of_the_contract(settings: Settings) -> None:
    expected = {case.reason for case in cases(settings) if case.reason}
    assert expected and expected <= set(CONTRACT.reject_reasons)


def test_every_entity_has_an_identifying_field() -> None:
    """A record is of an entity when it has one of the fields no other entity has."""
    for name, entity in CONTRACT.entities.items():
        others = {f for o, e in CONTRACT.entities.items() if o != name for f in e.fields}
        assert set(entity.fields) - others, name


def test_a_missing_or_incomplete_contract_is_a_clear_error(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project.yml"
    project.write_text("name: x\nvars:\n  bronze_schema: bronze\n")
    with pytest.raises(ContractError, match="has no vars.contract"):
        load_contract(project)
    project.write_text("name: x\nvars:\n  contract:\n    entities: {}\n")
    with pytest.raises(ContractError, match="incomplete entity contract.*layers"):
        load_contract(project)
    with pytest.raises(ContractError, match="cannot read the entity contract"):
        load_contract(tmp_path / "missing.yml")


def test_sqlfluff_templater_gets_the_real_vars() -> None:
    assert sqlfluff_context.var("contract")["categories"] == list(CONTRACT.categories)
    assert sqlfluff_context.var("no_such_var", "fallback") == "fallback"
    with pytest.raises(KeyError, match="no var 'no_such_var'"):
        sqlfluff_context.var("no_such_var")
