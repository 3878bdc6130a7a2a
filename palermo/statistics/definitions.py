"""Load the statistics definitions and the figures the seeds state (palermo/statistics/data/).

Every file is read and validated first; the first malformed record stops the load with the
file, the line and the reason, and nothing is written. Then everything is written in one
transaction. Loading twice changes nothing. Each definition carries a `version`: a definition
whose content changed must come with a higher version (the loaded versions are kept in
`DefinitionRevision`), so a published figure always points to the definition it was made with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.models import Country, Document, Source
from palermo.core.services import reference_row_sync
from palermo.registry.reference import ReferenceDataError, Row, read_yaml
from palermo.statistics.choices import PeriodType, Qualifier, RuleKind, Severity, ValueOrigin
from palermo.statistics.models import (
    DIMENSIONS,
    TOTAL,
    DataSet,
    DefinitionRevision,
    Dimension,
    Indicator,
    ValidationRule,
    Value,
)
from palermo.statistics.periods import PeriodError, check_period_type, parse_period

DATA_DIR = Path(__file__).resolve().parent / "data"
ACTOR = "load-reference"
# Files of figures stated in documents: file -> (data set, document key).
SEED_FILES = {"survey_2005.yaml": ("survey-2005", "sg-2005-intl-cooperation")}

__all__ = ["DATA_DIR", "ReferenceDataError", "definitions_load", "definitions_validate"]


def _read_yaml(path: Path) -> list[Row]:
    """The registry loader's reader (records with their lines), refusing a missing file."""
    if not path.exists():
        raise ReferenceDataError(path.name, 0, _("file is missing"))
    return read_yaml(path)


def _digest(content: dict[str, Any]) -> str:
    """The definition's fingerprint; its version and its position in the file do not count."""
    body = {k: v for k, v in content.items() if k not in ("version", "position")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Plan:
    """Validated content of the data files, ready to write."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    dimensions: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)


class _Validator:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir
        self.plan = Plan()
        self.countries = set(Country.objects.values_list("iso3", flat=True))
        self.doc_keys = set(Document.objects.values_list("key", flat=True))
        self.dims: dict[str, set[str]] = {}
        self.country_dims: set[str] = set()
        self.indicators: dict[str, dict[str, Any]] = {}
        self.rule_keys: set[str] = set()
        self.datasets: dict[str, dict[str, Any]] = {}
        self.revisions = {
            (r.kind, r.code, r.version): r.digest for r in DefinitionRevision.objects.all()
        }
        self.loaded_versions: dict[tuple[str, str], int] = {}
        for kind, model in (
            ("dimension", Dimension),
            ("rule", ValidationRule),
            ("indicator", Indicator),
            ("dataset", DataSet),
        ):
            for code, version in model._default_manager.values_list("code", "version"):
                self.loaded_versions[(kind, code)] = version

    def rows(self, name: str) -> list[Row]:
        return _read_yaml(self.dir / name)

    def version(self, row: Row, kind: str, code: str, content: dict[str, Any]) -> int:
        version = row.integer("version")
        if version is None or version < 1:
            raise row.fail(_("'version' is required (a whole number from 1)"))
        loaded = self.loaded_versions.get((kind, code))
        if loaded is not None and version < loaded:
            raise row.fail(
                _("{} '{}' version {} is older than the loaded version {}").format(
                    kind, code, version, loaded
                )
            )
        stored = self.revisions.get((kind, code, version))
        if stored is not None and stored != _digest(content):
            raise row.fail(
                _("{} '{}' changed but its version is still {}: raise the version").format(
                    kind, code, version
                )
            )
        return version

    def code_list(
        self, row: Row, name: str, known: set[str] | dict[str, Any], what: str
    ) -> list[str]:
        value = row.data.get(name) or []
        if not isinstance(value, list):
            raise row.fail(_("'{}' must be a list").format(name))
        out = []
        for item in value:
            code = str(item)
            if code not in known:
                raise row.fail(_("unknown {} '{}' in '{}'").format(what, code, name))
            if code in out:
                raise row.fail(_("'{}' is listed twice in '{}'").format(code, name))
            out.append(code)
        return out

    def run(self) -> Plan:  # noqa: PLR0912, PLR0915 - one pass over every file, in dependency order
        p = self.plan
        for row in self.rows("documents.yaml"):
            key = row.text("key", required=True)
            p.documents.append(
                {
                    "key": key,
                    "symbol": row.text("symbol"),
                    "title": row.text("title", required=True),
                    "publisher": row.text("publisher"),
                    "date": row.date("date"),
                    "url": row.text("url"),
                    "notes": row.text("notes"),
                }
            )
            self.doc_keys.add(key)

        for position, row in enumerate(self.rows("dimensions.yaml")):
            code = row.text("code", required=True)
            if code not in DIMENSIONS:
                raise row.fail(
                    _("unknown dimension '{}' (the figures have columns for: {})").format(
                        code, ", ".join(DIMENSIONS)
                    )
                )
            if code in self.dims:
                raise row.fail(_("duplicate dimension '{}'").format(code))
            codes = row.data.get("codes") or []
            if not isinstance(codes, list):
                raise row.fail(_("'codes' must be a list of {code, label}"))
            seen: set[str] = set()
            clean_codes = []
            for item in codes:
                if not isinstance(item, dict) or not item.get("code") or not item.get("label"):
                    raise row.fail(_("each code needs 'code' and 'label'"))
                c = str(item["code"])
                limit = getattr(Value._meta.get_field(code), "max_length", None) or 12
                if c == TOTAL or c in seen or len(c) > limit:
                    raise row.fail(
                        _("code '{}' is reserved, repeated or longer than {} characters").format(
                            c, limit
                        )
                    )
                seen.add(c)
                clean: dict[str, Any] = {"code": c, "label": str(item["label"])}
                for extra in ("htcds", "glotip", "ctdc"):
                    if extra in item:
                        values = item[extra]
                        if not isinstance(values, list):
                            raise row.fail(_("'{}' of code '{}' must be a list").format(extra, c))
                        clean[extra] = [str(v) for v in values]
                clean_codes.append(clean)
            countries = bool(row.data.get("countries", False))
            content = {
                "code": code,
                "name": row.text("name", required=True),
                "description": row.text("description"),
                "countries": countries,
                "codes": clean_codes,
                "position": position,
            }
            content["version"] = self.version(row, "dimension", code, content)
            self.dims[code] = seen
            if countries:
                self.country_dims.add(code)
            p.dimensions.append(content)
        missing = [d for d in DIMENSIONS if d not in self.dims]
        if missing:
            raise ReferenceDataError(
                "dimensions.yaml", 0, _("dimensions not defined: {}").format(", ".join(missing))
            )

        indicator_rows = self.rows("indicators.yaml")
        indicator_codes = {r.text("code") for r in indicator_rows}
        for row in self.rows("rules.yaml"):
            code = row.text("code", required=True)
            if code in self.rule_keys:
                raise row.fail(_("duplicate rule '{}'").format(code))
            kind = row.choice("kind", RuleKind)
            params = row.data.get("params") or {}
            if not isinstance(params, dict):
                raise row.fail(_("'params' must be a mapping"))
            if kind == RuleKind.NOT_ABOVE:
                for name in ("indicator", "reference"):
                    if params.get(name) not in indicator_codes:
                        raise row.fail(_("'params.{}' must name an indicator").format(name))
            if kind == RuleKind.CHANGE_BOUND:
                try:
                    ratio = float(params.get("max_ratio", 0))
                    floor = float(params.get("min_value", 0))
                except (TypeError, ValueError):
                    raise row.fail(_("'max_ratio' and 'min_value' must be numbers")) from None
                if ratio <= 1 or floor < 0:
                    raise row.fail(_("'max_ratio' must be above 1 and 'min_value' not negative"))
            content = {
                "code": code,
                "kind": kind,
                "severity": row.choice("severity", Severity),
                "message": row.text("message", required=True),
                "params": params,
            }
            content["version"] = self.version(row, "rule", code, content)
            self.rule_keys.add(code)
            p.rules.append(content)

        for position, row in enumerate(indicator_rows):
            code = row.text("code", required=True)
            if code in self.indicators:
                raise row.fail(_("duplicate indicator '{}'").format(code))
            dims = self.code_list(row, "dimensions", self.dims, "dimension")
            breakdowns_raw = row.data.get("breakdowns") or [[]]
            if not isinstance(breakdowns_raw, list) or not all(
                isinstance(b, list) for b in breakdowns_raw
            ):
                raise row.fail(_("'breakdowns' must be a list of lists of dimensions"))
            breakdowns = []
            for b in breakdowns_raw:
                for d in b:
                    if d not in dims:
                        raise row.fail(
                            _(
                                "breakdown {} uses '{}', which is not among the indicator's "
                                "dimensions"
                            ).format(b, d)
                        )
                breakdowns.append([str(d) for d in b])
            sources = []
            for item in row.data.get("sources") or []:
                if not isinstance(item, dict) or item.get("source") not in self.doc_keys:
                    raise row.fail(_("each source needs a known document key in 'source'"))
                sources.append([str(item["source"]), str(item.get("locator") or "")])
            content = {
                "code": code,
                "name": row.text("name", required=True),
                "description": row.text("description"),
                "unit": row.text("unit", required=True),
                "ics_tip": row.text("ics_tip"),
                "glotip_name": row.text("glotip"),
                "dimensions": dims,
                "breakdowns": breakdowns,
                "position": position,
                "sources": sources,
            }
            content["version"] = self.version(row, "indicator", code, content)
            self.indicators[code] = content
            p.indicators.append(content)

        for row in self.rows("datasets.yaml"):
            code = row.text("code", required=True)
            if code in self.datasets:
                raise row.fail(_("duplicate data set '{}'").format(code))
            budget = row.data.get("privacy_budget")
            if budget is not None:
                try:
                    budget = float(budget)
                except (TypeError, ValueError):
                    raise row.fail(_("'privacy_budget' must be a number")) from None
                if budget <= 0:
                    raise row.fail(_("'privacy_budget' must be positive"))
            threshold = row.integer("suppression_threshold") or 5
            content = {
                "code": code,
                "name": row.text("name", required=True),
                "description": row.text("description"),
                "period_type": row.choice("period_type", PeriodType),
                "indicators": self.code_list(row, "indicators", self.indicators, "indicator"),
                "rules": self.code_list(row, "rules", self.rule_keys, "rule"),
                "privacy_budget": budget,
                "suppression_threshold": threshold,
            }
            if not content["indicators"]:
                raise row.fail(_("a data set needs at least one indicator"))
            content["version"] = self.version(row, "dataset", code, content)
            self.datasets[code] = content
            p.datasets.append(content)

        for filename, (dataset_code, doc_key) in SEED_FILES.items():
            self.figures(filename, dataset_code, doc_key)
        return p

    def dim_code(self, row: Row, dim: str, value: str) -> str:
        if value in self.dims[dim] or (dim in self.country_dims and value in self.countries):
            return value
        raise row.fail(_("unknown code '{}' for {}").format(value, dim))

    def figures(self, filename: str, dataset_code: str, doc_key: str) -> None:
        dataset = self.datasets.get(dataset_code)
        if dataset is None:
            raise ReferenceDataError(
                filename, 0, _("data set '{}' is not defined").format(dataset_code)
            )
        if doc_key not in self.doc_keys:
            raise ReferenceDataError(filename, 0, _("document '{}' is not loaded").format(doc_key))
        seen: set[tuple[str, ...]] = set()
        for row in self.rows(filename):
            country = row.text("country", required=True).upper()
            if country not in self.countries:
                raise row.fail(_("unknown country code '{}'").format(country))
            indicator = row.text("indicator", required=True)
            if indicator not in dataset["indicators"]:
                raise row.fail(
                    _("indicator '{}' is not in data set '{}'").format(indicator, dataset_code)
                )
            try:
                period = parse_period(row.text("period", required=True))
                check_period_type(period, dataset["period_type"])
            except PeriodError as exc:
                raise row.fail(str(exc)) from None
            value = row.integer("value")
            if value is None or value < 0:
                raise row.fail(_("'value' must be a whole number, not negative"))
            cell = {}
            allowed = self.indicators[indicator]["dimensions"]
            for dim in DIMENSIONS:
                code = row.text(dim) or TOTAL
                if code != TOTAL:
                    if dim not in allowed:
                        raise row.fail(
                            _("indicator '{}' has no '{}' breakdown").format(indicator, dim)
                        )
                    code = self.dim_code(row, dim, code)
                cell[dim] = code
            key = (country, indicator, period.text, *cell.values())
            if key in seen:
                raise row.fail(_("this cell is given twice"))
            seen.add(key)
            self.plan.figures.append(
                {
                    "dataset": dataset_code,
                    "indicator": indicator,
                    "country_id": country,
                    "period": period.text,
                    "period_start": period.start,
                    "period_end": period.end,
                    "year": period.year,
                    **cell,
                    "value": value,
                    "value_text": str(value),
                    "qualifier": row.choice("qualifier", Qualifier, required=False)
                    or Qualifier.EXACT,
                    "notes": row.text("note"),
                    "source": (doc_key, row.text("locator", required=True)),
                }
            )


def definitions_validate(data_dir: Path = DATA_DIR) -> Plan:
    """Read and check every file; ReferenceDataError names the first problem."""
    return _Validator(data_dir).run()


@dataclass
class LoadReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def bump(self, kind: str, what: str) -> None:
        self.counts.setdefault(kind, {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0})
        self.counts[kind][what] += 1

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] + c["deleted"] for c in self.counts.values())


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Writer:
    def __init__(self, plan: Plan, report: LoadReport) -> None:
        self.plan = plan
        self.report = report
        self.sources: dict[tuple[str, str], Source] = {}

    def source(self, key: tuple[str, str]) -> Source:
        if key not in self.sources:
            document = Document.objects.get(key=key[0])
            self.sources[key], _created = Source.objects.get_or_create(
                document=document, locator=key[1]
            )
        return self.sources[key]

    def upsert(self, kind: str, model: Any, content: dict[str, Any], fields: dict[str, Any]) -> Any:
        obj, outcome = reference_row_sync(
            model=model, lookup={"code": content["code"]}, values=fields, actor_label=ACTOR
        )
        self.report.bump(kind, outcome)
        revision_key = {"kind": kind, "code": content["code"], "version": content["version"]}
        if not DefinitionRevision.objects.filter(**revision_key).exists():
            body = {k: v for k, v in content.items() if k != "version"}
            DefinitionRevision.objects.create(**revision_key, digest=_digest(body), content=body)
        return obj

    def write(self) -> None:  # noqa: PLR0912 - the files in dependency order
        p = self.plan
        for doc in p.documents:
            _doc, outcome = reference_row_sync(
                model=Document, lookup={"key": doc["key"]}, values=doc, actor_label=ACTOR
            )
            self.report.bump("document", outcome)
        for d in p.dimensions:
            self.upsert("dimension", Dimension, d, dict(d))
        rules = {}
        for r in p.rules:
            rules[r["code"]] = self.upsert("rule", ValidationRule, r, dict(r))
        indicators = {}
        for i in p.indicators:
            fields = {k: v for k, v in i.items() if k != "sources"}
            obj = self.upsert("indicator", Indicator, i, fields)
            wanted = {self.source((s[0], s[1])).pk for s in i["sources"]}
            if set(obj.sources.values_list("pk", flat=True)) != wanted:
                obj.sources.set(wanted)
            indicators[i["code"]] = obj
        datasets = {}
        for d in p.datasets:
            fields = {k: v for k, v in d.items() if k not in ("indicators", "rules")}
            obj = self.upsert("dataset", DataSet, d, fields)
            wanted_i = {indicators[c].pk for c in d["indicators"]}
            if set(obj.indicators.values_list("pk", flat=True)) != wanted_i:
                obj.indicators.set(wanted_i)
            wanted_r = {rules[c].pk for c in d["rules"]}
            if set(obj.rules.values_list("pk", flat=True)) != wanted_r:
                obj.rules.set(wanted_r)
            datasets[d["code"]] = obj
        self.write_figures(datasets, indicators)

    def write_figures(self, datasets: dict[str, DataSet], indicators: dict[str, Indicator]) -> None:
        seed_sets = [datasets[code] for code, _doc in SEED_FILES.values()]
        existing = {
            (v.dataset_id, v.indicator_id, v.country_id, v.period, *v.key): v
            for v in Value.objects.filter(origin=ValueOrigin.SEED, dataset__in=seed_sets)
        }
        seen = set()
        for f in self.plan.figures:
            dataset = datasets[f["dataset"]]
            indicator = indicators[f["indicator"]]
            source = self.source(f["source"])
            fields = {k: v for k, v in f.items() if k not in ("dataset", "indicator", "source")}
            key = (
                dataset.pk,
                indicator.pk,
                f["country_id"],
                f["period"],
                *(f[d] for d in DIMENSIONS),
            )
            seen.add(key)
            obj = existing.get(key)
            values = {
                **fields,
                "source_id": source.pk,
                "source_ref": f["source"][1],
                "status": "published",
                "public": True,
            }
            if obj is None:
                obj = Value(dataset=dataset, indicator=indicator, origin=ValueOrigin.SEED, **values)
                obj.full_clean(validate_constraints=False)
                obj.save()
                audit_record(
                    actor=None,
                    actor_label=ACTOR,
                    action=AuditAction.CREATE,
                    obj=obj,
                    before=None,
                    after={k: _plain(v) for k, v in values.items()},
                )
                self.report.bump("seed_figure", "created")
                continue
            before = {k: _plain(getattr(obj, k)) for k in values}
            after = {k: _plain(v) for k, v in values.items()}
            if before != after:
                for k, v in values.items():
                    setattr(obj, k, v)
                obj.full_clean(validate_constraints=False)
                obj.save()
                audit_record(
                    actor=None,
                    actor_label=ACTOR,
                    action=AuditAction.UPDATE,
                    obj=obj,
                    before=before,
                    after=after,
                )
                self.report.bump("seed_figure", "updated")
            else:
                self.report.bump("seed_figure", "unchanged")
        for key, obj in existing.items():
            if key not in seen:
                audit_record(
                    actor=None,
                    actor_label=ACTOR,
                    action=AuditAction.DELETE,
                    obj=obj,
                    before={"period": obj.period},
                    after=None,
                )
                obj.delete()
                self.report.bump("seed_figure", "deleted")


def definitions_load(data_dir: Path = DATA_DIR) -> LoadReport:
    """Validate every file, then write definitions and seed figures in one transaction."""
    report = LoadReport()
    with transaction.atomic():
        plan = definitions_validate(data_dir)
        _Writer(plan, report).write()
    return report
