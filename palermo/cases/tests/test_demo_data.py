"""The demo data file (names and routes): read once, every code and country checked on load, a
mistake named with the file and where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from palermo.cases import htcds as h
from palermo.cases.demo.data import DATA_FILE, demo_data, demo_data_read


def test_the_data_file_has_every_route_and_its_codes() -> None:
    data = demo_data()
    assert demo_data() is data  # read once
    assert len(data.routes) == 18 and len(data.names) == 15
    assert {"NGA", "LBY", "ITA", "MMR", "THA", "NPL", "IND", "UKR", "DEU"} <= data.countries()
    for route in data.routes:
        assert route.names in data.names
        for profile in route.profiles:
            assert set(profile.exploitation) <= set(h.TypeOfExploitation.values)
    assert data.currency["ITA"] == "EUR"
    assert data.names["km"].family_first and not data.names["my"].family


def _broken(tmp_path: Path, change: Any) -> Path:
    raw = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "demo_routes.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _set(path: list[str | int], value: Any) -> Any:
    def change(raw: Any) -> None:
        node = raw
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _set(["routes", 0, "profiles", 0, "exploitation"], ["Slavery"]),
            "routes[0].profiles[0].exploitation: unknown code(s) Slavery (not values of "
            "TypeOfExploitation)",
        ),
        (
            _set(["routes", 1, "legs", 0, "country"], "Mali"),
            "routes[1].legs[0].country: 'Mali' is not an ISO 3166-1 alpha-3 code",
        ),
        (_set(["routes", 2, "names"], "klingon"), "names 'klingon' is not a locale under names"),
        (
            _set(["routes", 0, "weight"], 0),
            "routes[0].weight: expected a whole number of at least 1",
        ),
        (
            _set(["routes", 0, "profiles", 1, "female"], 1.5),
            "routes[0].profiles[1].female: expected a number from 0 to 1",
        ),
        (_set(["names", "edo", "male"], []), "names.edo: female and male names are needed"),
        (lambda raw: raw.pop("nicknames"), "top level: 'nicknames' is missing"),
        (_set(["currency", "ITA"], "euro"), "currency.ITA: 'euro' is not an ISO 4217 code"),
    ],
)
def test_a_mistake_in_the_data_file_is_named(tmp_path: Path, change: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as err:
        demo_data_read(_broken(tmp_path, change))
    assert str(err.value).startswith("demo_routes.yaml: ")
    assert message in str(err.value)


def test_a_file_that_is_not_yaml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "demo_routes.yaml"
    path.write_text("routes: [unclosed", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match="demo_routes.yaml: not valid YAML"):
        demo_data_read(path)
