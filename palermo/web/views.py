"""The home page (public): what the node knows, in numbers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from palermo.core.views import PalermoView
from palermo.registry.selectors import registry_counts


class HomeView(PalermoView):
    login_required = False
    private_if_user = True  # the header names the logged-in user

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "web/home.html", {"counts": registry_counts()})
