"""Home page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from palermo.registry.selectors import registry_counts


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"counts": registry_counts()})
