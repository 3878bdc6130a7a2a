"""Chart specs hold exactly the figures their page shows, and render offline with vl-convert."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest

from palermo.statistics import charts
from palermo.statistics.periods import parse_period
from palermo.statistics.selectors import CountryFigure, Flow, Point, Series

NAMES = {
    "NGA": "Nigeria",
    "LBY": "Libya",
    "ITA": "Italy",
    "ROU": "Romania",
    "DEU": "Germany",
    "UKR": "Ukraine",
    "POL": "Poland",
    "SGP": "Singapore",
    "MYS": "Malaysia",
}
FLOWS = [
    Flow("NGA", "", "ITA", 120, "120"),
    Flow("NGA", "LBY", "ITA", 80, "80"),
    Flow("ROU", "", "DEU", 60, "60"),
    Flow("UKR", "POL", "DEU", None, "<5"),
]


def point(period: str, value: int | None, display: str = "") -> Point:
    year = int(period[:4])
    return Point(
        period,
        year,
        dt.date(year, 1, 1),
        value,
        display or str(value),
        value is None,
        "published",
        "UNODC",
    )


def test_trend_chart_holds_exactly_the_series() -> None:
    series = Series(
        "victims_detected",
        "Victims detected",
        "glotip",
        "glotip",
        [point("2019", 12), point("2020", None, "<5"), point("2021", 30)],
        dataset_name="GLOTIP",
    )
    spec = charts.trend_chart(series)
    rows = charts.spec_values(spec)
    assert [(r["period"], r["value"], r["display"], r["masked"]) for r in rows] == [
        ("2019", 12, "12", False),
        ("2020", None, "<5", True),
        ("2021", 30, "30", False),
    ]
    # A masked figure is a gap: the line does not join 2019 to 2021 over it.
    assert len({r["segment"] for r in rows}) == 3
    line, ranges, masked = spec["layer"]
    assert line["transform"] == [{"filter": "!datum.masked && datum.kind != 'range'"}]
    assert line["encoding"]["detail"] == {"field": "segment", "type": "nominal"}
    assert masked["mark"]["type"] == "text" and masked["encoding"]["text"] == {"field": "display"}
    assert ranges["mark"]["type"] == "rule"
    svg = charts.render(spec, "svg").decode()
    assert svg.startswith("<svg") and ">&lt;5<" in svg and ">2021<" in svg


def _points(*periods: tuple[str, int]) -> list[Point]:
    out = []
    for text, value in periods:
        p = parse_period(text)
        out.append(Point(text, p.year, p.start, value, str(value), False, "published", "", p.end))
    return out


def test_a_line_never_joins_other_kinds_of_period_or_bridges_a_gap() -> None:
    """Ukraine's 1998-2004 total joined to a 2004 quarter read as a fall: each kind of period
    is its own series, and a line joins only periods that follow each other."""
    years = Series(
        "i",
        "Investigations",
        "seed",
        "seed",
        _points(("2001", 90), ("2002", 169), ("2003", 289), ("2005", 300)),
        kind="year",
    )
    quarter = Series(
        "i", "Investigations", "seed", "seed", _points(("2004-Q1", 182)), kind="quarter"
    )
    total = Series(
        "i", "Investigations", "seed", "seed", _points(("1998-03/2004-07", 785)), kind="range"
    )
    rows = charts.trend_rows([years, quarter, total])
    segments: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        segments.setdefault(str(r["segment"]), []).append(r)
    for members in segments.values():
        assert len({m["kind"] for m in members}) == 1
        assert len({m["series"] for m in members}) == 1
        for a, b in itertools.pairwise(members):  # each next period starts the day after
            end, start = (
                dt.date.fromisoformat(str(a["end"])),
                dt.date.fromisoformat(str(b["start"])),
            )
            assert start == end + dt.timedelta(days=1)
    by_period = {r["period"]: r for r in rows}
    assert by_period["2003"]["segment"] == by_period["2001"]["segment"]
    assert by_period["2005"]["segment"] != by_period["2003"]["segment"]  # 2004 missing: a gap
    assert by_period["2004-Q1"]["segment"] not in {
        r["segment"] for r in rows if r["kind"] != "quarter"
    }
    assert by_period["1998-03/2004-07"]["kind"] == "range"
    spec = charts.trend_chart([years, quarter, total])
    assert spec["layer"][1]["encoding"]["x2"] == {"field": "end"}  # a range is a bar over its span
    assert spec["layer"][0]["encoding"]["color"]["legend"] is not None


def test_across_chart_holds_exactly_the_rows() -> None:
    rows = [
        CountryFigure("BWA", "Botswana", 12, "12", False, "2019", "glotip"),
        CountryFigure("NAM", "Namibia", None, "<5", True, "2019", "glotip"),
        CountryFigure("ZAF", "South Africa", 40, "40", False, "2019", "glotip"),
    ]
    spec = charts.across_chart(rows, indicator="Victims detected", period="2019")
    assert [(v["country"], v["value"], v["display"]) for v in charts.spec_values(spec)] == [
        ("BWA", 12, "12"),
        ("NAM", None, "<5"),
        ("ZAF", 40, "40"),
    ]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["South Africa", "Botswana", "Namibia"]
    svg = charts.render(spec, "svg").decode()
    assert all(name in svg for name in ("Botswana", "Namibia", "South Africa"))


def test_centroids_come_from_the_natural_earth_boundaries() -> None:
    centroids = charts.country_centroids()
    assert len(centroids) > 160
    lon, lat = centroids["BWA"]
    assert 20 < lon < 29 and -27 < lat < -18  # inside Botswana's bounding box
    lon, lat = centroids["RUS"]  # crosses the antimeridian: must still be in Russia
    assert 40 < lon < 140 and 50 < lat < 70
    lon, lat = centroids["USA"]  # the largest polygon: the contiguous states
    assert -110 < lon < -85 and 33 < lat < 45
    assert "SGP" not in centroids  # too small at 1:110m
    assert charts.unmapped([Flow("MYS", "", "SGP", 3, "3")]) == ["SGP"]


def test_flow_map_draws_each_leg_of_the_visible_flows_only() -> None:
    spec = charts.flow_map(FLOWS, names=NAMES, boundaries_url="/static/x.json")
    boundaries, lines, points = spec["layer"]
    assert boundaries["data"] == {
        "url": "/static/x.json",
        "format": {"type": "topojson", "feature": "countries"},
    }
    legs = [
        (r["origin"], r["transit"], r["destination"], r["leg"]) for r in lines["data"]["values"]
    ]
    assert legs == [
        ("NGA", "", "ITA", 0),
        ("NGA", "LBY", "ITA", 0),
        ("NGA", "LBY", "ITA", 1),
        ("ROU", "", "DEU", 0),
        ("UKR", "POL", "DEU", 0),
        ("UKR", "POL", "DEU", 1),
    ]
    masked = [r for r in lines["data"]["values"] if r["origin"] == "UKR"]
    assert {(r["count"], r["display"], r["weight"]) for r in masked} == {(None, "<5", 0)}
    assert {p["code"] for p in points["data"]["values"]} == {
        "NGA",
        "LBY",
        "ITA",
        "ROU",
        "DEU",
        "UKR",
        "POL",
    }


def test_flow_map_renders_offline_with_the_boundaries_inlined() -> None:
    spec = charts.flow_map(FLOWS, names=NAMES)
    assert spec["layer"][0]["data"]["values"]["type"] == "Topology"
    svg = charts.render(spec, "svg").decode()
    assert svg.count("<path") >= 177  # the countries of Natural Earth 1:110m
    assert svg.count('aria-roledescription="rule mark"') == 6  # one line per leg
    png = charts.render(spec, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_sankey_layout_conserves_the_flows() -> None:
    layout = charts.sankey_layout(FLOWS, names=NAMES, height=400)
    assert charts.scale_is_finite(layout)
    nodes = {n.id: n for n in layout.nodes}
    assert set(nodes) == {
        "origin:NGA",
        "origin:ROU",
        "origin:UKR",
        "transit:LBY",
        "transit:POL",
        "destination:ITA",
        "destination:DEU",
    }
    assert nodes["origin:NGA"].value == 200 and nodes["destination:ITA"].value == 200
    assert nodes["transit:LBY"].value == 80 and nodes["origin:UKR"].value == 0
    # Columns left to right; heights proportional to persons; bands fill their node exactly.
    assert nodes["origin:NGA"].x1 < nodes["transit:LBY"].x0 < nodes["destination:ITA"].x0
    height = {k: n.y1 - n.y0 for k, n in nodes.items()}
    assert height["origin:NGA"] == pytest.approx(height["destination:ITA"])
    assert height["origin:NGA"] / height["origin:ROU"] == pytest.approx(200 / 60)
    for n in layout.nodes:
        outgoing = sum(lk.thickness for lk in layout.links if lk.source is n)
        incoming = sum(lk.thickness for lk in layout.links if lk.target is n)
        assert max(outgoing, incoming) == pytest.approx(n.y1 - n.y0)
    masked = [lk for lk in layout.links if lk.flow.count is None]
    assert len(masked) == 2 and all(lk.thickness == 2.0 for lk in masked)
    # Nodes in a column do not overlap.
    for column in charts.COLUMNS:
        ys = sorted((n.y0, n.y1) for n in layout.nodes if n.column == column)
        assert all(a[1] <= b[0] for a, b in zip(ys, ys[1:], strict=False))


def test_sankey_chart_holds_exactly_the_flows_and_renders() -> None:
    spec = charts.sankey_chart(FLOWS, names=NAMES)
    drawn = charts.sankey_flows(spec)
    assert sorted((f["origin"], f["transit"], f["destination"], f["display"]) for f in drawn) == [
        ("NGA", "", "ITA", "120"),
        ("NGA", "LBY", "ITA", "80"),
        ("NGA", "LBY", "ITA", "80"),
        ("ROU", "", "DEU", "60"),
        ("UKR", "POL", "DEU", "<5"),
        ("UKR", "POL", "DEU", "<5"),
    ]
    svg = charts.render(spec, "svg").decode()
    labels = re.findall(r"<text[^>]*>([^<]+)</text>", svg)
    assert sorted(labels) == sorted(
        ["Nigeria", "Romania", "Ukraine", "Libya", "Poland", "Italy", "Germany"]
    )
    assert svg.count('aria-roledescription="geoshape"') == 6 + 7  # bands and nodes


def test_no_flows_make_empty_charts() -> None:
    assert charts.sankey_layout([], names=NAMES).nodes == []
    assert charts.render(charts.sankey_chart([], names=NAMES), "svg").startswith(b"<svg")


def test_the_renderer_loads_no_url() -> None:
    spec = {
        "$schema": charts.SCHEMA,
        "data": {"url": "http://127.0.0.1:9/figures.json"},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    with pytest.raises(charts.ChartError):
        charts.render(spec, "svg")
    with pytest.raises(charts.ChartError, match="unknown chart format"):
        charts.render(charts.sankey_chart(FLOWS, names=NAMES), "gif")


def test_many_countries_make_a_taller_sankey_not_slivers() -> None:
    codes = sorted(charts.country_centroids())[:45]
    flows = [Flow(code, "", "ITA", 10 + i, str(10 + i)) for i, code in enumerate(codes)]
    layout = charts.sankey_layout(flows, names={}, height=420)
    assert charts.scale_is_finite(layout)
    origins = [n for n in layout.nodes if n.column == "origin"]
    assert len(origins) == 45 and layout.height >= 45 * 22
    assert all(n.y1 - n.y0 >= 4 for n in origins)  # each at least a few pixels tall


@pytest.mark.parametrize(
    ("language", "names"),
    [("ar", ("مصر", "الأردن", "تونس")), ("zh-hans", ("中国", "阿富汗", "德国"))],
)
def test_charts_draw_arabic_and_chinese_glyphs(language: str, names: tuple[str, ...]) -> None:
    """The PNG of a chart in Arabic or Chinese draws the letters (the system's Noto fonts, which
    scripts/ensure-packages installs), not the empty boxes of a missing glyph: the same chart with
    characters no font has (private use) draws boxes, and comes out differently."""

    def png(labels: tuple[str, ...]) -> bytes:
        rows = [
            CountryFigure(code, label, 10 * (n + 1), str(10 * (n + 1)), False, "2019", "glotip")
            for n, (code, label) in enumerate(zip(("AAA", "BBB", "CCC"), labels, strict=True))
        ]
        return charts.render(charts.across_chart(rows, indicator="", period="2019"), "png")

    boxes = tuple(chr(0xE000 + 8 * n) * len(name) for n, name in enumerate(names))
    other_boxes = tuple(chr(0xE100 + 8 * n) * len(name) for n, name in enumerate(names))
    assert png(boxes) == png(other_boxes)  # any glyph no font has is drawn as the same box
    assert png(names) != png(boxes), language
