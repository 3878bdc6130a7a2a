"""The national coordinator's data entry: choosing what to enter, the entry grid (enter, check,
submit, validate, return to draft, publish a table, with messages next to each cell), and the
data-set template to download and upload. Every page is about the coordinator's own country;
anyone else gets 404.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from palermo.core import jobs
from palermo.core.choices import JobState
from palermo.core.errors import ApplicationError
from palermo.core.models import Country
from palermo.core.textlimits import NOTE_MAX
from palermo.statistics import breakdowns, interchange, selectors, services
from palermo.statistics import jobs as statistics_jobs
from palermo.statistics.choices import Severity, ValueOrigin
from palermo.statistics.forms import (
    EntryScopeForm,
    PublishForm,
    ReturnForm,
    UploadForm,
    grid_tables,
)
from palermo.statistics.models import REMAINDER
from palermo.statistics.selectors import GridBlock, GridCell
from palermo.statistics.views.base import TABLE_TYPES, CoordinatorView, download


class EntryStartView(CoordinatorView):
    """Which figures to enter: a data set and a period of the coordinator's country. A valid
    choice opens the entry grid; nothing is written here (so this is not a FormServiceView)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(EntryScopeForm(initial={"dataset": "tip-annual"}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EntryScopeForm(request.POST)
        if form.is_valid():
            try:
                scope = services.scope_get(
                    dataset=form.cleaned_data["dataset"],
                    country=self.country,
                    period=form.cleaned_data["period"],
                )
            except ApplicationError as exc:
                form.add_error("period", exc.detail)
            else:
                return redirect(
                    "statistics:entry_grid",
                    dataset=scope.dataset.code,
                    iso3=scope.country.iso3,
                    period=scope.period.text,
                )
        return self._page(form, status=400)

    def _page(self, form: EntryScopeForm, status: int = 200) -> HttpResponse:
        board = selectors.completeness_board(dataset="tip-annual")
        own = sorted(
            (cell for key, cell in board["cells"].items() if key[0] == self.country),
            key=lambda c: c.period,
            reverse=True,
        )
        return render(
            self.request,
            "statistics/entry_start.html",
            {"form": form, "country": Country.objects.get(iso3=self.country), "own": own},
            status=status,
        )


# --- the entry grid ---------------------------------------------------------------------------


def _value_text(cell: GridCell) -> str:
    return cell.value.value_text if cell.value is not None else ""


def _comment(cell: GridCell) -> str:
    return cell.value.comment if cell.value is not None else ""


def _added_cells(request: HttpRequest, blocks: list[GridBlock]) -> list[services.CellInput]:
    """Rows added for a country breakdown (e.g. victims of one more citizenship)."""
    added = []
    for block in blocks:
        for dim in block.dimensions:
            name = "add:{}:{}".format(block.indicator.code, dim)
            code = request.POST.get(name, "").strip().upper()
            value = request.POST.get(name + ":value", "").strip()
            if code and value:
                added.append(
                    services.CellInput(
                        cell="{}:{}={}".format(block.indicator.code, dim, code), value=value
                    )
                )
    return added


def _changed_cells(request: HttpRequest, blocks: list[GridBlock]) -> list[services.CellInput]:
    """The cells whose figure or comment differs from what is stored (only those are sent, so
    that figures already submitted are not touched)."""
    changed = []
    for block in blocks:
        for cell in block.cells:
            if REMAINDER in cell.key:
                continue  # computed, never typed
            posted = request.POST.get("v:" + cell.cell)
            comment = request.POST.get("c:" + cell.cell)
            if posted is None and comment is None:
                continue
            value = (posted if posted is not None else _value_text(cell)).strip()
            new_comment = (comment if comment is not None else _comment(cell)).strip()
            if value != _value_text(cell) or new_comment != _comment(cell):
                changed.append(
                    services.CellInput(cell=cell.cell, value=value or None, comment=new_comment)
                )
    return changed + _added_cells(request, blocks)


def _rest_dimension(block: GridBlock, allowed: set[str]) -> str:
    """The dimension of a one-dimension breakdown that may carry a computed remainder, or ""."""
    if len(block.dimensions) == 1 and block.dimensions[0] in allowed:
        return block.dimensions[0]
    return ""


def _remainders(request: HttpRequest, blocks: list[GridBlock]) -> list[breakdowns.RemainderRequest]:
    """The remainders asked for (box ticked) or no longer wanted (box shown, not ticked)."""
    allowed = breakdowns.remainder_dimensions()
    out = []
    for block in blocks:
        dim = _rest_dimension(block, allowed)
        name = "rest:{}:{}".format(block.indicator.code, dim)
        if dim and request.POST.get(name + ":shown"):
            out.append(
                breakdowns.RemainderRequest(block.indicator.code, dim, bool(request.POST.get(name)))
            )
    return out


def _trace_url(cell: GridCell) -> str:
    """The trace page of a figure derived from case records ("" for any other figure)."""
    if cell.value is None or cell.value.origin != ValueOrigin.DERIVED:
        return ""
    return reverse("statistics:figure_trace", args=[cell.value.pk])


def _sections(
    blocks: list[GridBlock], errors: dict[str, list[str]], posted: Any
) -> list[dict[str, Any]]:
    """The blocks of the grid as the template shows them: one row per cell, with the stored
    issues and the messages of the last service call, and what was typed if it is kept."""
    dim_names = {d.code: _(d.name) for d in selectors.dimension_list()}
    allowed = breakdowns.remainder_dimensions()
    counter = 0
    sections = []
    for block in blocks:
        rows = []
        for cell in block.cells:
            counter += 1
            stored_errors = [i.message for i in cell.errors]
            warnings = [i.message for i in cell.warnings]
            # Messages of the last service call that the stored issues do not already say
            # (input errors; a warning without a comment is shown as the warning).
            cell_errors = [
                e
                for e in errors.get(cell.cell, [])
                if e not in stored_errors and not any(e.startswith(w) for w in warnings)
            ]
            value = posted.get("v:" + cell.cell, _value_text(cell)) if posted else None
            rows.append(
                {
                    "id": "cell-{}".format(counter),
                    "cell": cell.cell,
                    "label": ", ".join(cell.labels.values()) or _("Total"),
                    "value": _value_text(cell) if value is None else value,
                    "status": cell.value.get_status_display() if cell.value else "",
                    "editable": cell.editable and REMAINDER not in cell.key,
                    "remainder": REMAINDER in cell.key,
                    "errors": stored_errors + cell_errors,
                    "warnings": warnings,
                    "comment": (posted.get("c:" + cell.cell) if posted else None) or _comment(cell),
                    "needs_comment": bool(warnings),
                    "trace_url": _trace_url(cell),
                }
            )
        sections.append(
            {
                "block": block,
                "rows": rows,
                "add": [d for d in block.dimensions if d == "citizenship" or "country" in d],
                "rest": _rest_dimension(block, allowed),
                "rest_on": _rest_on(block, posted),
                "by": " × ".join(str(dim_names.get(d, d)) for d in block.dimensions),
            }
        )
    return sections


def _rest_on(block: GridBlock, posted: Any) -> bool:
    """Whether the remainder box is ticked: as posted, else whether a remainder is stored."""
    if posted and len(block.dimensions) == 1:
        name = "rest:{}:{}".format(block.indicator.code, block.dimensions[0])
        if posted.get(name + ":shown"):
            return bool(posted.get(name))
    return any(REMAINDER in c.key and c.value is not None for c in block.cells)


class EntryGridView(CoordinatorView):
    """The entry form of one country, data set and period, with cell-level messages. One form,
    several actions (the button pressed): save, check, submit, validate, return, publish."""

    template_name = "statistics/entry_grid.html"

    def blocks(self, dataset: str, iso3: str, period: str) -> list[GridBlock]:
        return selectors.entry_grid(user=self.user, dataset=dataset, country=iso3, period=period)

    def get(self, request: HttpRequest, dataset: str, iso3: str, period: str) -> HttpResponse:
        return self._page(self.blocks(dataset, iso3, period), dataset, iso3, period)

    def post(self, request: HttpRequest, dataset: str, iso3: str, period: str) -> HttpResponse:
        blocks = self.blocks(dataset, iso3, period)
        action = request.POST.get("action", "save")
        scope: dict[str, Any] = {
            "actor": self.user,
            "dataset": dataset,
            "country": iso3,
            "period": period,
        }
        return_form = ReturnForm(request.POST if action == "return" else None)
        publish_form = PublishForm(
            request.POST if action == "publish" else None, tables=grid_tables(blocks)
        )
        errors: dict[str, list[str]] = {}
        try:
            target = self._act(action, scope, blocks, return_form, publish_form)
        except services.CellErrors as exc:
            summary = exc.detail
            for error in exc.errors:
                errors.setdefault(error["cell"], []).append(error["message"])
        except ApplicationError as exc:
            summary = exc.detail
        else:
            return redirect(target)
        keep = action in ("save", "check")  # input errors: keep what was typed
        return self._page(
            self.blocks(dataset, iso3, period),
            dataset,
            iso3,
            period,
            errors=errors,
            summary=summary,
            posted=request.POST if keep else None,
            return_form=return_form,
            publish_form=publish_form,
            status=400,
        )

    def _act(
        self,
        action: str,
        scope: dict[str, Any],
        blocks: list[GridBlock],
        return_form: ReturnForm,
        publish_form: PublishForm,
    ) -> str:
        """Carry out the action through its service; the URL to go to next."""
        request = self.request
        if action == "publish":
            return self._publish(scope, publish_form)
        if action == "return":
            if not return_form.is_valid():
                raise ApplicationError(_("Give a reason for returning the figures."))
            n = services.values_return(**scope, reason=return_form.cleaned_data["reason"])
            messages.success(request, _("{} figures returned to draft.").format(n))
        elif action == "validate":
            n = services.values_validate(**scope)
            messages.success(request, _("{} figures validated.").format(n))
        else:
            self._enter(scope, blocks, action)
        return request.path

    def _enter(self, scope: dict[str, Any], blocks: list[GridBlock], action: str) -> None:
        """Save the changed cells; then check or submit if asked."""
        request = self.request
        cells = _changed_cells(request, blocks)
        remainders = _remainders(request, blocks)
        if cells or remainders:
            breakdowns.values_enter_with_remainders(**scope, cells=cells, remainders=remainders)
        if action == "check":
            report = services.values_check(**scope)
            messages.info(
                request,
                _("Checked: {} error(s), {} warning(s).").format(
                    len(report.errors), len(report.warnings)
                ),
            )
        elif action == "submit":
            services.values_submit(**scope)
            messages.success(request, _("The figures were submitted."))
        else:
            messages.success(request, _("{} cell(s) saved.").format(len(cells)))

    def _publish(self, scope: dict[str, Any], form: PublishForm) -> str:
        """Publish a breakdown of the validated figures, by the task worker (the suppression of
        a large table takes time): the URL of the publication when it is already done, else of
        the job's page, which shows its progress."""
        if not form.is_valid():
            raise ApplicationError(_("Choose a table to publish."))
        grid = self.request.path
        job = jobs.job_start(
            actor=scope["actor"],
            kind=statistics_jobs.PUBLISH,
            parameters={
                "dataset": scope["dataset"],
                "indicator": form.indicator,
                "period": scope["period"],
                "dimensions": form.dimensions,
                "countries": [scope["country"]],
                "threshold": form.cleaned_data["threshold"],
            },
            subject=" · ".join([scope["dataset"], scope["country"], scope["period"]]),
            back_url=grid,
        )
        if job.state == JobState.FAILED:
            raise ApplicationError(job.message)
        if job.state == JobState.DONE:
            messages.success(self.request, job.message)
            return job.result_url
        return reverse("web:job", args=[job.pk])

    def _page(
        self,
        blocks: list[GridBlock],
        dataset: str,
        iso3: str,
        period: str,
        *,
        errors: dict[str, list[str]] | None = None,
        summary: str = "",
        posted: Any = None,
        return_form: ReturnForm | None = None,
        publish_form: PublishForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        sections = _sections(blocks, errors or {}, posted)
        rows = [r for s in sections for r in s["rows"]]
        base = reverse("statistics:entry_grid", args=[dataset, iso3, period])
        context = {
            "dataset": selectors.dataset_get(dataset),
            "country": Country.objects.get(iso3=iso3.upper()),
            "period": period,
            "sections": sections,
            "summary": summary,
            "n_errors": sum(len(r["errors"]) for r in rows),
            "n_warnings": sum(1 for r in rows if r["warnings"] and not r["comment"]),
            "state": selectors.entry_state(blocks),
            "own_submission": selectors.submitted_by(blocks, self.user),
            "upload_form": UploadForm(),
            "return_form": return_form or ReturnForm(),
            "publish_form": publish_form or PublishForm(tables=grid_tables(blocks)),
            "template_csv": base + "template.csv",
            "template_xlsx": base + "template.xlsx",
            "severity": Severity,
            "comment_max": NOTE_MAX,
        }
        return render(self.request, self.template_name, context, status=status)


# --- the data-set template --------------------------------------------------------------------


class EntryTemplateView(CoordinatorView):
    def get(
        self, request: HttpRequest, dataset: str, iso3: str, period: str, fmt: str
    ) -> HttpResponse:
        if fmt not in ("csv", "xlsx"):
            raise Http404(_("Templates are CSV or XLSX."))
        content = interchange.template_file(
            user=self.user, dataset=dataset, country=iso3, period=period, fmt=fmt
        )
        content_type = TABLE_TYPES[fmt][0]
        name = "{}-{}-{}.{}".format(dataset, iso3.upper(), period, fmt)
        return download(content, content_type, name)


class EntryUploadView(CoordinatorView):
    """A filled-in template, entered as drafts; the outcome is told on the entry grid."""

    def post(self, request: HttpRequest, dataset: str, iso3: str, period: str) -> HttpResponse:
        user = self.user
        selectors.entry_grid(user=user, dataset=dataset, country=iso3, period=period)
        form = UploadForm(request.POST, request.FILES)
        back = reverse("statistics:entry_grid", args=[dataset, iso3, period])
        if not form.is_valid():
            for error in form.errors.get("file", []):
                messages.error(request, str(error))
            return redirect(back)
        upload = form.cleaned_data["file"]
        suffix = "." + form.format
        with tempfile.TemporaryDirectory() as folder:
            # The importer reads a path; the user's file name is not used for it.
            path = Path(folder) / ("upload" + suffix)
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                result = interchange.data_import_run(actor=user, path=path, fmt=form.format)
            except ApplicationError as exc:
                messages.error(
                    request,
                    _("Nothing was imported: {}").format(
                        exc.detail.replace(path.name, upload.name)
                    ),
                )
                return redirect(back)
        messages.success(request, _("{} figures read from {}.").format(result.figures, upload.name))
        return redirect(back)
