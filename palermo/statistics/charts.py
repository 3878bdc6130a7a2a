"""Vega-Lite chart specifications of the statistics pages, and their SVG/PNG rendering.

One function per chart builds a Vega-Lite (v6) spec from what a selector returned, and only
from that: the `data.values` of a spec are exactly the figures the page shows in its table. The
browser draws the spec with the vendored vega-embed (static/statistics/vendor/); the export
links render the same spec with vl-convert on the server. Nothing is fetched from a network:
the world map's boundaries are Natural Earth 1:110m from npm `world-atlas` (vendored), country
centroids are computed from those boundaries, and vl-convert is told to load no URL at all.

The Sankey diagram's layout (columns origin -> transit -> destination, node heights, link
bands) is computed here; Vega-Lite draws the bands and nodes as shapes in pixel coordinates
(`geoshape` with the identity projection).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
import vl_convert
from django.utils.translation import gettext as _

from palermo.statistics.periods import PERIOD_KIND_LABELS
from palermo.statistics.selectors import CountryFigure, Flow, Series

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier; never fetched
VL_VERSION = "6.4"  # the Vega-Lite bundled in vl-convert, the same as the vendored one
STATIC = Path(__file__).resolve().parent / "static" / "statistics"
WORLD_ATLAS = STATIC / "vendor" / "countries-110m.json"
WORLD_ATLAS_STATIC = "statistics/vendor/countries-110m.json"
ACCENT = "#0b5cad"
MUTED = "#8c959f"
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', sans-serif"
CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12},
    "legend": {"labelFontSize": 12, "titleFontSize": 12},
}
Spec = dict[str, Any]


def _spec(description: str, **parts: Any) -> Spec:
    return {"$schema": SCHEMA, "description": description, "config": CONFIG, **parts}


def spec_values(spec: Spec) -> list[dict[str, Any]]:
    """Every inline data row of a spec (all layers), to check what a chart holds."""
    rows: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                rows.extend(v for v in data["values"] if isinstance(v, dict))
            for key in ("layer", "hconcat", "vconcat", "concat"):
                for child in node.get(key, []):
                    walk(child)

    walk(spec)
    return rows


# --- trends and comparisons ------------------------------------------------------------------


def series_label(series: Series) -> str:
    """A series as a legend names it: its data set and kind of period."""
    return "{} · {}".format(series.dataset_name or series.dataset, PERIOD_KIND_LABELS[series.kind])


def trend_rows(series: Sequence[Series]) -> list[dict[str, Any]]:
    """The rows of a trend chart: one per figure, with its series (data set and kind of
    period) and its `segment`. A line joins the figures of one segment only: periods of one
    kind that follow each other with no gap and no masked figure between them."""
    rows: list[dict[str, Any]] = []
    for s in series:
        label = series_label(s)
        segment, previous_end = 0, None
        for p in s.points:
            end = p.end or p.start
            if p.masked or previous_end is None or p.start != previous_end + dt.timedelta(days=1):
                segment += 1
            previous_end = None if p.masked else end
            middle = p.start + (end - p.start) / 2
            rows.append(
                {
                    "series": label,
                    "kind": s.kind,
                    "segment": "{} #{}".format(label, segment),
                    "period": p.period,
                    "start": p.start.isoformat(),
                    "end": end.isoformat(),
                    "middle": middle.isoformat(),
                    "value": p.value,
                    "display": p.display,
                    "masked": p.masked,
                    "status": p.status,
                }
            )
    return rows


def trend_chart(series: Series | Sequence[Series], *, title: str = "") -> Spec:
    """An indicator's figures over time: a line per series (data set and kind of period),
    broken where periods do not follow each other; a figure of a range of years is a bar from
    its first to its last day (never a point on a line of years or quarters); masked figures
    ("<5") are written, not plotted."""
    several = [series] if isinstance(series, Series) else list(series)
    values = trend_rows(several)
    name = several[0].name if several else ""
    x = {"field": "middle", "type": "temporal", "title": None}
    color: dict[str, Any] = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "legend": {"orient": "bottom", "labelLimit": 600},
    }
    if len(several) < 2:  # noqa: PLR2004 - one series needs no legend
        color["legend"] = None
    tooltip = [
        {"field": "series", "title": _("Series")},
        {"field": "period", "title": _("Period")},
        {"field": "display", "title": _("Figure")},
        {"field": "status", "title": _("Status")},
    ]
    y = {
        "field": "value",
        "type": "quantitative",
        "title": None,
        "scale": {"zero": True},
    }
    return _spec(
        _("Trend of {}").format(name),
        title=title or None,
        width=640,
        height=150,
        data={"values": values},
        layer=[
            {
                "transform": [{"filter": "!datum.masked && datum.kind != 'range'"}],
                "mark": {"type": "line", "point": {"filled": True, "size": 40}},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": color,
                    "detail": {"field": "segment", "type": "nominal"},
                    "tooltip": tooltip,
                },
            },
            {
                "transform": [{"filter": "!datum.masked && datum.kind == 'range'"}],
                "mark": {"type": "rule", "strokeWidth": 3},
                "encoding": {
                    "x": {"field": "start", "type": "temporal"},
                    "x2": {"field": "end"},
                    "y": y,
                    "color": color,
                    "tooltip": tooltip,
                },
            },
            {
                "transform": [{"filter": "datum.masked"}, {"calculate": "0", "as": "base"}],
                "mark": {"type": "text", "dy": -8, "color": MUTED, "fontStyle": "italic"},
                "encoding": {
                    "x": x,
                    "y": {"field": "base", "type": "quantitative"},
                    "text": {"field": "display"},
                    "tooltip": tooltip,
                },
            },
        ],
    )


def across_chart(rows: Sequence[CountryFigure], *, indicator: str, period: str) -> Spec:
    """One bar per country; masked figures ("<5") are written next to an empty bar."""
    values = [
        {
            "country": r.country,
            "name": r.name,
            "value": r.value,
            "display": r.display,
            "masked": r.masked,
            "period": r.period,
        }
        for r in rows
    ]
    order = [r.name for r in sorted(rows, key=lambda r: -(r.value if r.value is not None else -1))]
    y = {"field": "name", "type": "nominal", "sort": order, "title": None}
    return _spec(
        _("{} by country, {}").format(indicator, period),
        width=520,
        height={"step": 22},
        data={"values": values},
        layer=[
            {
                "mark": {"type": "bar", "color": ACCENT},
                "encoding": {
                    "y": y,
                    "x": {"field": "value", "type": "quantitative", "title": indicator},
                    "tooltip": [
                        {"field": "name", "title": _("Country")},
                        {"field": "display", "title": _("Figure")},
                        {"field": "period", "title": _("Period")},
                    ],
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "color": "#1b1f24"},
                "encoding": {
                    "y": y,
                    "x": {"field": "value", "type": "quantitative"},
                    "text": {"field": "display"},
                },
            },
        ],
    )


# --- geography --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def world_topology() -> dict[str, Any]:
    """Natural Earth 1:110m country boundaries (TopoJSON, npm world-atlas 2.0.2)."""
    return dict(json.loads(WORLD_ATLAS.read_text(encoding="utf-8")))


def _decode_arcs(topology: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(
    arcs: list[list[tuple[float, float]]], indexes: Iterable[int]
) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    # Keep a ring that crosses the antimeridian continuous (Russia, Fiji).
    unwrapped: list[tuple[float, float]] = []
    for lon, lat in points:
        x = lon
        if unwrapped:
            previous = unwrapped[-1][0]
            x -= 360 * round((x - previous) / 360)
        unwrapped.append((x, lat))
    return unwrapped


def _area_centroid(ring: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    """Signed-area-weighted centroid of a ring (planar lon/lat, fine at this scale)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        return 0.0, ring[0][0], ring[0][1]
    return abs(area) / 2, cx / (3 * area), cy / (3 * area)


@lru_cache(maxsize=1)
def country_centroids() -> dict[str, tuple[float, float]]:
    """ISO 3166 alpha-3 -> (longitude, latitude) of the country's largest polygon, computed from
    the vendored Natural Earth boundaries. Countries too small for 1:110m are absent."""
    topology = world_topology()
    arcs = _decode_arcs(topology)
    out: dict[str, tuple[float, float]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = geometry.get("id")
        country = pycountry.countries.get(numeric=numeric) if numeric else None
        if country is None:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        best = max((_area_centroid(_ring(arcs, polygon[0])) for polygon in polygons), default=None)
        if best is not None:
            lon = (best[1] + 180) % 360 - 180
            out[country.alpha_3] = (round(lon, 3), round(best[2], 3))
    return out


def _segments(flow: Flow) -> list[tuple[str, str]]:
    if flow.transit:
        return [(flow.origin, flow.transit), (flow.transit, flow.destination)]
    return [(flow.origin, flow.destination)]


def _flow_row(flow: Flow, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "origin": flow.origin,
        "transit": flow.transit,
        "destination": flow.destination,
        "origin_name": names.get(flow.origin, flow.origin),
        "transit_name": names.get(flow.transit, flow.transit) if flow.transit else "",
        "destination_name": names.get(flow.destination, flow.destination),
        "count": flow.count,
        "display": flow.display,
    }


def unmapped(flows: Iterable[Flow]) -> list[str]:
    """Countries of the flows that have no shape at 1:110m (listed under the map)."""
    centroids = country_centroids()
    codes = {c for f in flows for c in (f.origin, f.transit, f.destination) if c}
    return sorted(c for c in codes if c not in centroids and not c.startswith("_"))


def flow_map(
    flows: Sequence[Flow], *, names: Mapping[str, str], boundaries_url: str | None = None
) -> Spec:
    """Flows drawn as lines between country centroids over Natural Earth boundaries.

    `boundaries_url`: where the browser loads the TopoJSON (same-origin static file); without
    it the boundaries are inlined, so that the spec renders with no file or network access."""
    centroids = country_centroids()
    segments = []
    for flow in flows:
        row = _flow_row(flow, names)
        for leg, (a, b) in enumerate(_segments(flow)):
            if a in centroids and b in centroids:
                segments.append(
                    {
                        **row,
                        "leg": leg,
                        "lon": centroids[a][0],
                        "lat": centroids[a][1],
                        "lon2": centroids[b][0],
                        "lat2": centroids[b][1],
                        "weight": flow.count if flow.count is not None else 0,
                    }
                )
    points: dict[str, dict[str, Any]] = {}
    for flow in flows:
        for role, code in (
            ("origin", flow.origin),
            ("transit", flow.transit),
            ("destination", flow.destination),
        ):
            if code and code in centroids and code not in points:
                lon, lat = centroids[code]
                points[code] = {
                    "code": code,
                    "name": names.get(code, code),
                    "role": role,
                    "lon": lon,
                    "lat": lat,
                }
    boundaries: dict[str, Any] = (
        {"url": boundaries_url} if boundaries_url else {"values": world_topology()}
    )
    boundaries["format"] = {"type": "topojson", "feature": "countries"}
    top = max((f.count or 0 for f in flows), default=0) or 1
    tooltip = [
        {"field": "origin_name", "title": _("Origin")},
        {"field": "transit_name", "title": _("Transit")},
        {"field": "destination_name", "title": _("Destination")},
        {"field": "display", "title": _("Persons")},
    ]
    return _spec(
        _("Flow map: origin, transit and destination countries"),
        width=760,
        height=400,
        projection={"type": "equalEarth"},
        layer=[
            {
                "data": boundaries,
                "mark": {"type": "geoshape", "fill": "#e6e8eb", "stroke": "#ffffff"},
            },
            {
                "data": {"values": segments},
                "mark": {"type": "rule", "opacity": 0.75, "strokeCap": "round"},
                "encoding": {
                    "longitude": {"field": "lon", "type": "quantitative"},
                    "latitude": {"field": "lat", "type": "quantitative"},
                    "longitude2": {"field": "lon2"},
                    "latitude2": {"field": "lat2"},
                    "strokeWidth": {
                        "field": "weight",
                        "type": "quantitative",
                        "scale": {"domain": [0, top], "range": [1.5, 10]},
                        "legend": None,
                    },
                    "color": {
                        "field": "origin_name",
                        "type": "nominal",
                        "title": _("Origin"),
                        "scale": {"scheme": "tableau10"},
                    },
                    "strokeDash": {
                        "condition": {"test": "datum.count === null", "value": [4, 3]},
                        "value": [1, 0],
                    },
                    "tooltip": tooltip,
                },
            },
            {
                "data": {"values": list(points.values())},
                "mark": {"type": "circle", "size": 40, "stroke": "#fff", "strokeWidth": 1},
                "encoding": {
                    "longitude": {"field": "lon", "type": "quantitative"},
                    "latitude": {"field": "lat", "type": "quantitative"},
                    "color": {"value": "#1b1f24"},
                    "tooltip": [{"field": "name", "title": _("Country")}],
                },
            },
        ],
    )


# --- Sankey -----------------------------------------------------------------------------------

COLUMNS = ("origin", "transit", "destination")


@dataclass
class SankeyNode:
    column: str
    code: str
    name: str
    value: int = 0
    masked: bool = False
    x0: float = 0.0
    x1: float = 0.0
    y0: float = 0.0
    y1: float = 0.0
    out_offset: float = 0.0
    in_offset: float = 0.0

    @property
    def id(self) -> str:
        return "{}:{}".format(self.column, self.code)


@dataclass
class SankeyLink:
    source: SankeyNode
    target: SankeyNode
    flow: Flow
    thickness: float = 0.0
    y_source: float = 0.0
    y_target: float = 0.0


@dataclass
class SankeyLayout:
    width: float
    height: float
    nodes: list[SankeyNode] = field(default_factory=list)
    links: list[SankeyLink] = field(default_factory=list)


def _weight(flow: Flow) -> int:
    return flow.count if flow.count is not None else 0


def sankey_layout(
    flows: Sequence[Flow],
    *,
    names: Mapping[str, str],
    width: float = 760,
    height: float = 420,
    node_width: float = 14,
    padding: float = 10,
    label_space: float = 170,
    min_thickness: float = 2.0,
) -> SankeyLayout:
    """Place origin, transit and destination countries in columns and the flows between them.

    A node is as tall as the persons through it (the larger of what comes in and goes out); a
    masked flow ("<5", no number) gets the minimum thickness and is drawn dashed in the spec."""
    layout = SankeyLayout(width, height)
    if not flows:
        return layout
    has_transit = any(f.transit for f in flows)
    columns = [c for c in COLUMNS if c != "transit" or has_transit]
    x_positions = {
        c: label_space + i * (width - 2 * label_space - node_width) / max(len(columns) - 1, 1)
        for i, c in enumerate(columns)
    }
    nodes: dict[tuple[str, str], SankeyNode] = {}

    def node(column: str, code: str) -> SankeyNode:
        key = (column, code)
        if key not in nodes:
            nodes[key] = SankeyNode(column, code, names.get(code, code))
        return nodes[key]

    ins: dict[tuple[str, str], int] = defaultdict(int)
    outs: dict[tuple[str, str], int] = defaultdict(int)
    for flow in flows:
        stops = [("origin", flow.origin)]
        if flow.transit:
            stops.append(("transit", flow.transit))
        stops.append(("destination", flow.destination))
        for (ca, a), (cb, b) in zip(stops, stops[1:], strict=False):
            source, target = node(ca, a), node(cb, b)
            layout.links.append(SankeyLink(source, target, flow))
            outs[(ca, a)] += _weight(flow)
            ins[(cb, b)] += _weight(flow)
            if flow.count is None:
                source.masked = target.masked = True
    for key, n in nodes.items():
        n.value = max(ins[key], outs[key])
    by_column: dict[str, list[SankeyNode]] = defaultdict(list)
    for n in nodes.values():
        by_column[n.column].append(n)
    # Many countries in a column: a taller drawing rather than unreadable slivers.
    height = max(height, max(len(ns) for ns in by_column.values()) * (padding + 16))
    layout.height = height
    # One scale for every column: the busiest column fills the height.
    scale = min(
        (height - padding * (len(ns) - 1) - min_thickness * len(ns))
        / max(sum(n.value for n in ns), 1)
        for ns in by_column.values()
    )
    scale = max(scale, 0.0)
    for column, ns in by_column.items():
        ns.sort(key=lambda n: (-n.value, n.name))
        y = 0.0
        for n in ns:
            n.x0 = x_positions[column]
            n.x1 = n.x0 + node_width
            n.y0 = y
            n.y1 = y + max(n.value * scale, min_thickness)
            y = n.y1 + padding
    for link in layout.links:
        link.thickness = max(_weight(link.flow) * scale, min_thickness)
    _stack_links(layout.links, list(nodes.values()))
    layout.nodes = sorted(nodes.values(), key=lambda n: (columns.index(n.column), n.y0))
    layout.height = max([height] + [n.y1 for n in layout.nodes])
    return layout


def _stack_links(links: list[SankeyLink], nodes: list[SankeyNode]) -> None:
    """Stack the bands of each node: outgoing ones in the order of their targets, incoming ones
    in the order of their sources, so that bands cross as little as the columns allow."""
    order = {id(n): (n.y0, n.name) for n in nodes}
    for link in sorted(links, key=lambda lk: order[id(lk.target)]):
        link.y_source = link.source.y0 + link.source.out_offset
        link.source.out_offset += link.thickness
    for link in sorted(links, key=lambda lk: order[id(lk.source)]):
        link.y_target = link.target.y0 + link.target.in_offset
        link.target.in_offset += link.thickness
    # Minimum thicknesses may make a node's bands taller than the node: grow it to fit.
    for n in nodes:
        n.y1 = max(n.y1, n.y0 + n.out_offset, n.y0 + n.in_offset)


def _band(link: SankeyLink, steps: int = 16) -> list[list[float]]:
    """The polygon of a link: a band between two cubic curves, closed."""
    x0, x1 = link.source.x1, link.target.x0
    xm = (x0 + x1) / 2

    def curve(ya: float, yb: float) -> list[list[float]]:
        points = []
        for i in range(steps + 1):
            t = i / steps
            u = 1 - t
            x = u**3 * x0 + 3 * u * u * t * xm + 3 * u * t * t * xm + t**3 * x1
            y = u**3 * ya + 3 * u * u * t * ya + 3 * u * t * t * yb + t**3 * yb
            points.append([round(x, 2), round(y, 2)])
        return points

    top = curve(link.y_source, link.y_target)
    bottom = curve(link.y_source + link.thickness, link.y_target + link.thickness)[::-1]
    ring = top + bottom
    return [*ring, ring[0]]


def _rect(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def sankey_chart(flows: Sequence[Flow], *, names: Mapping[str, str]) -> Spec:
    """The Sankey diagram of the flows (origin -> transit -> destination) as a Vega-Lite spec."""
    layout = sankey_layout(flows, names=names)
    links = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [_band(link)]},
            "properties": {
                **_flow_row(link.flow, names),
                "from": link.source.name,
                "to": link.target.name,
                "masked": link.flow.count is None,
            },
        }
        for link in layout.links
    ]
    nodes = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [_rect(n.x0, n.y0, n.x1, n.y1)]},
            "properties": {"name": n.name, "code": n.code, "column": n.column},
        }
        for n in layout.nodes
    ]
    labels = [
        {
            "x": n.x0 - 6 if n.column == "origin" else n.x1 + 6,
            "y": (n.y0 + n.y1) / 2,
            "align": "right" if n.column == "origin" else "left",
            "label": n.name if n.column != "transit" else "",
            "code": n.code,
            "column": n.column,
        }
        for n in layout.nodes
    ]
    transit_labels = [
        {"x": (n.x0 + n.x1) / 2, "y": n.y0 - 4, "label": n.name}
        for n in layout.nodes
        if n.column == "transit"
    ]
    # An invisible frame fixes the identity projection's fit to the whole drawing.
    frame = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [_rect(0, -14, layout.width, layout.height)],
        },
        "properties": {},
    }
    identity = {"type": "identity"}
    xy = {
        "longitude": {"field": "x", "type": "quantitative"},
        "latitude": {"field": "y", "type": "quantitative"},
    }
    return _spec(
        _("Sankey diagram: persons from origin through transit to destination countries"),
        width=layout.width,
        height=layout.height + 14,
        projection=identity,
        layer=[
            {
                "data": {"values": [frame]},
                "mark": {"type": "geoshape", "fill": None, "stroke": None},
            },
            {
                "data": {"values": links},
                "mark": {"type": "geoshape", "fillOpacity": 0.45, "stroke": None},
                "encoding": {
                    "color": {
                        "field": "properties.origin_name",
                        "type": "nominal",
                        "title": _("Origin"),
                        "legend": None,
                        "scale": {"scheme": "tableau10"},
                    },
                    "tooltip": [
                        {"field": "properties.origin_name", "title": _("Origin")},
                        {"field": "properties.transit_name", "title": _("Transit")},
                        {"field": "properties.destination_name", "title": _("Destination")},
                        {"field": "properties.display", "title": _("Persons")},
                    ],
                },
            },
            {
                "data": {"values": nodes},
                "mark": {"type": "geoshape", "fill": "#1b1f24", "stroke": None},
                "encoding": {"tooltip": [{"field": "properties.name", "title": _("Country")}]},
            },
            {
                "data": {"values": [lb for lb in labels if lb["align"] == "right"]},
                "mark": {"type": "text", "align": "right", "baseline": "middle", "fontSize": 12},
                "encoding": {**xy, "text": {"field": "label"}},
            },
            {
                "data": {"values": [lb for lb in labels if lb["align"] == "left"]},
                "mark": {"type": "text", "align": "left", "baseline": "middle", "fontSize": 12},
                "encoding": {**xy, "text": {"field": "label"}},
            },
            {
                "data": {"values": transit_labels},
                "mark": {"type": "text", "align": "center", "baseline": "bottom", "fontSize": 12},
                "encoding": {**xy, "text": {"field": "label"}},
            },
        ],
    )


def sankey_flows(spec: Spec) -> list[dict[str, Any]]:
    """The flows a Sankey spec draws (the properties of its link bands)."""
    for layer in spec.get("layer", []):
        values = layer.get("data", {}).get("values", [])
        if values and "origin" in values[0].get("properties", {}):
            return [v["properties"] for v in values]
    return []


# --- rendering --------------------------------------------------------------------------------


class ChartError(Exception):
    """A chart could not be rendered."""


def render(spec: Spec, fmt: str) -> bytes:
    """SVG or PNG of a spec, rendered on the server by vl-convert with no URL access at all."""
    try:
        if fmt == "svg":
            svg = vl_convert.vegalite_to_svg(spec, vl_version=VL_VERSION, allowed_base_urls=[])
            return str(svg).encode()
        if fmt == "png":
            png = vl_convert.vegalite_to_png(
                spec, vl_version=VL_VERSION, scale=2, allowed_base_urls=[]
            )
            return bytes(png)
    except ValueError as exc:
        raise ChartError(str(exc)) from exc
    raise ChartError(_("unknown chart format '{}' (svg or png)").format(fmt))


def scale_is_finite(layout: SankeyLayout) -> bool:
    """Every node and link of a layout has finite coordinates (for tests)."""
    numbers = [v for n in layout.nodes for v in (n.x0, n.x1, n.y0, n.y1)]
    numbers += [v for lk in layout.links for v in (lk.y_source, lk.y_target, lk.thickness)]
    return all(math.isfinite(v) for v in numbers)
